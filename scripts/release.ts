// `npm run release -- status | ramp <buildId> <percent> | promote <buildId> | rollback`: which build of
// the workers new runs go to (Worker Versioning; docs/deploy.md has the release checklist). Every
// change is audited as `release`. Exit 0 done, 1 refused or failed, 2 a malformed command.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { loadConfigOrExit } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { DomainError } from '../src/domain/errors.ts';
import { releaseStatus, runReleaseCommand, type ReleaseCommand } from '../src/services/releases/releases.ts';
import { createTemporalClient } from '../src/temporal/connection.ts';

const usage = 'usage: npm run release -- status | ramp <buildId> <percent> | promote <buildId> | rollback';
const [verb, ...rest] = process.argv.slice(2);

function parse(): ReleaseCommand | 'status' {
  if (verb === 'status' && rest.length === 0) return 'status';
  if (verb === 'ramp' && rest.length === 2 && /^\d{1,3}$/.test(rest[1]!)) {
    return { command: 'ramp', buildId: rest[0]!, percent: Number(rest[1]) };
  }
  if (verb === 'promote' && rest.length === 1) return { command: 'promote', buildId: rest[0]! };
  if (verb === 'rollback' && rest.length === 0) return { command: 'rollback' };
  console.error(`[release] ${usage}`);
  process.exit(2);
}

const command = parse();
const config = loadConfigOrExit('release');
const prisma = createPrisma(config.DATABASE_URL);
const temporal = createTemporalClient(config);
const deps = { prisma, temporal, deploymentName: config.WORKER_DEPLOYMENT_NAME };
try {
  if (command === 'status') {
    const status = await releaseStatus(deps);
    if (!status.exists) {
      console.log(`deployment ${status.deployment}: no worker of it has polled yet`);
    } else {
      console.log(`deployment ${status.deployment}`);
      console.log(`current  ${status.current ?? '(none: unversioned workers)'}`);
      console.log(`ramping  ${status.ramping ? `${status.ramping.buildId} at ${status.ramping.percent}%` : '(none)'}`);
      console.log('');
      console.log(['build ID', 'status', 'open runs', 'created'].join('\t'));
      for (const v of status.versions) console.log([v.buildId, v.status, v.openRuns, v.createdAt ?? ''].join('\t'));
    }
  } else {
    const outcome = await runReleaseCommand(deps, command, {
      actor: `cli:${os.userInfo().username}`,
      requestId: randomUUID(),
    });
    console.log(`[release] ${outcome.summary}`);
  }
} catch (err) {
  console.error(`[release] ${err instanceof DomainError ? 'refused' : 'failed'}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await prisma.$disconnect();
  await temporal.connection.close();
}
