// `npm run schedules:sync`: makes the Temporal Schedules match the registry (src/services/schedules/
// registry.ts); prints what it created, updated or deleted, or that nothing needed to change.
import { loadConfigOrExit } from '../src/config.ts';
import { scheduleRegistry } from '../src/services/schedules/registry.ts';
import { syncSchedules } from '../src/services/schedules/sync.ts';
import { createTemporalClient } from '../src/temporal/connection.ts';

const config = loadConfigOrExit('schedules:sync');
const temporal = createTemporalClient(config);
try {
  const result = await syncSchedules(temporal, scheduleRegistry(config), (line) =>
    console.log(`[schedules:sync] ${line}`),
  );
  if (result.conflicts.length > 0) process.exitCode = 1;
} catch (err) {
  console.error(`[schedules:sync] ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await temporal.connection.close();
}
