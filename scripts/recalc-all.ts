// `npm run recalc:all [-- --batch-size N]`: recalculates every game's minutes (see src/services/minutes/recalculation.ts).
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { backfillRecalculations } from '../src/services/minutes/recalculation.ts';
import { createTemporalClient } from '../src/temporal/connection.ts';

const { values } = parseArgs({ options: { 'batch-size': { type: 'string', default: '50' } } });
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
  console.error('[recalc:all] --batch-size must be an integer from 1 to 1000');
  process.exit(1);
}
const config = loadConfigOrExit('recalc:all');
const prisma = createPrisma(config.DATABASE_URL);
const temporal = createTemporalClient(config);
try {
  const result = await backfillRecalculations({
    prisma,
    temporal,
    taskQueue: config.taskQueues.minutes,
    batchSize,
    onProgress: (p) =>
      console.log(
        `[recalc:all] ${p.processed}/${p.total} games: ${p.started} recalculated, ${p.alreadyDone} already done at this version, ${p.invalid} invalid, ${p.failed} could not start`,
      ),
  });
  console.log(`[recalc:all] done: ${JSON.stringify(result)}`);
  process.exitCode = result.failed > 0 ? 1 : 0;
} finally {
  await prisma.$disconnect();
  await temporal.connection.close();
}
