// Releases: which build of the workers new runs go to. Every worker is a version of one worker
// deployment (WORKER_DEPLOYMENT_NAME, build ID from the build); a new version starts beside the old one
// and takes no new run until an operator ramps a share of them to it, promotes it, or rolls back.
// Pinned runs finish on the build that started them whatever happens here (contracts/releases.ts).
// Every command is audited as `release`, refused ones too.
import type { Client } from '@temporalio/client';
import { BUILD_ID_PATTERN } from '../../contracts/releases.ts';
import type { PrismaClient } from '../../db/client.ts';
import { auditOutcomeOf } from '../../domain/audit.ts';
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from '../../domain/errors.ts';
import {
  countOpenRuns,
  describeDeployment,
  setCurrentVersion,
  setRampingVersion,
  versionTaskQueues,
  type Deployment,
  type DeploymentVersion,
} from '../../temporal/worker-deployments.ts';
import { recordAudit } from '../audit.ts';

export interface ReleaseDeps {
  prisma: PrismaClient;
  temporal: Client;
  deploymentName: string;
}

export interface ReleaseVersion extends DeploymentVersion {
  /** Runs still open on it: a version with none left can be retired. */
  openRuns: number;
}

export interface ReleaseStatus {
  deployment: string;
  exists: boolean;
  current: string | null;
  ramping: { buildId: string; percent: number } | null;
  versions: ReleaseVersion[];
}

export async function releaseStatus({ temporal, deploymentName }: Omit<ReleaseDeps, 'prisma'>): Promise<ReleaseStatus> {
  const deployment = await describeDeployment(temporal, deploymentName);
  const versions = await Promise.all(
    deployment.versions.map(async (version) => ({
      ...version,
      openRuns: await countOpenRuns(temporal, deploymentName, version.buildId),
    })),
  );
  return {
    deployment: deploymentName,
    exists: deployment.exists,
    current: deployment.current,
    ramping: deployment.ramping,
    versions,
  };
}

/** Who and which request, for the audit log. */
export interface ReleaseActor {
  actor: string;
  requestId: string;
}

export type ReleaseCommand =
  | { command: 'ramp'; buildId: string; percent: number }
  | { command: 'promote'; buildId: string }
  | { command: 'rollback' };

export interface ReleaseOutcome {
  /** What was done, in a sentence for the operator. */
  summary: string;
  current: string | null;
  ramping: { buildId: string; percent: number } | null;
}

function knownVersion(deployment: Deployment, buildId: string): DeploymentVersion {
  if (!BUILD_ID_PATTERN.test(buildId)) {
    throw InvalidInputError.of([{ path: 'buildId', message: 'expected a build ID such as 0.2.0-1a2b3c4d' }]);
  }
  const version = deployment.versions.find((v) => v.buildId === buildId);
  // A version exists once one of its workers has polled: deploy it first.
  if (!version) throw new NotFoundError(`worker deployment version ${deployment.name}:`, buildId);
  return version;
}

async function carryOut(deps: ReleaseDeps, deployment: Deployment, cmd: ReleaseCommand, identity: string) {
  switch (cmd.command) {
    case 'ramp': {
      if (!Number.isInteger(cmd.percent) || cmd.percent < 0 || cmd.percent > 100) {
        throw InvalidInputError.of([{ path: 'percent', message: 'expected a whole number from 0 to 100' }]);
      }
      knownVersion(deployment, cmd.buildId);
      if (deployment.current === cmd.buildId) {
        throw new ConflictError('release_not_possible', `${cmd.buildId} is already current: nothing to ramp`);
      }
      if (deployment.current === null) {
        throw new ConflictError(
          'release_not_possible',
          'the deployment has no current version to ramp from: promote a version first',
        );
      }
      await setRampingVersion(deps.temporal, deployment, cmd.buildId, cmd.percent, identity);
      return `${cmd.percent}% of new runs go to ${cmd.buildId}, the rest to ${deployment.current}`;
    }
    case 'promote': {
      knownVersion(deployment, cmd.buildId);
      if (deployment.current === cmd.buildId && !deployment.ramping) return `${cmd.buildId} is already current`;
      const previous = await setCurrentVersion(deps.temporal, deployment, cmd.buildId, identity);
      return `${cmd.buildId} is current (was ${previous ?? 'unversioned'}); runs pinned to the old build finish there`;
    }
    case 'rollback': {
      if (deployment.ramping) {
        await setRampingVersion(deps.temporal, deployment, null, 0, identity);
        return `stopped ramping ${deployment.ramping.buildId}; every new run goes to ${deployment.current}`;
      }
      // The version that was current most recently before this one.
      const previous = deployment.versions
        .filter((v) => v.buildId !== deployment.current && v.lastCurrentAt !== null)
        .sort((a, b) => (b.lastCurrentAt ?? '').localeCompare(a.lastCurrentAt ?? ''))[0];
      if (!previous) {
        throw new ConflictError('release_not_possible', 'no earlier current version to roll back to');
      }
      await setCurrentVersion(deps.temporal, deployment, previous.buildId, identity);
      return `${previous.buildId} is current again (was ${deployment.current}); new runs go to it`;
    }
  }
}

/** Carries out one release command and audits it (refused and failed ones too). */
export async function runReleaseCommand(
  deps: ReleaseDeps,
  cmd: ReleaseCommand,
  who: ReleaseActor,
): Promise<ReleaseOutcome> {
  const target = 'buildId' in cmd ? `${deps.deploymentName}:${cmd.buildId}` : deps.deploymentName;
  const audit = (status: number, details: Record<string, unknown>) =>
    recordAudit(deps.prisma, {
      actor: who.actor,
      action: 'release',
      target,
      outcome: auditOutcomeOf(status),
      requestId: who.requestId,
      details: { ...cmd, ...details },
    });
  try {
    const before = await describeDeployment(deps.temporal, deps.deploymentName);
    if (!before.exists) throw new NotFoundError('worker deployment', deps.deploymentName);
    const summary = await carryOut(deps, before, cmd, who.actor);
    const after = await describeDeployment(deps.temporal, deps.deploymentName);
    await audit(200, { summary, before: { current: before.current, ramping: before.ramping } });
    return { summary, current: after.current, ramping: after.ramping };
  } catch (err) {
    const refused = err instanceof DomainError;
    await audit(refused ? 400 : 500, { error: (err as Error).message }).catch(() => undefined);
    throw err;
  }
}

const VERSION_POLL_MS = 250;
const VERSION_WAIT_MS = 60_000;

/**
 * A starting worker's part: make its own version current when `mode` says so (`if-none`: the
 * deployment has no current version yet, the first deploy; `always`: npm run dev). Several workers of
 * one build starting at once race harmlessly: the loser finds its build already current.
 */
export async function promoteOnStart(
  deps: ReleaseDeps,
  buildId: string,
  mode: 'if-none' | 'always' | 'never',
  who: ReleaseActor,
  /** The task queues this process serves: the server refuses a current version missing one the old had. */
  taskQueues: string[] = [],
): Promise<string | null> {
  if (mode === 'never') return null;
  // The version exists once the server has seen one of its workers poll, and has a queue once a worker
  // of it polled that queue: wait for every queue this process serves first.
  for (let waited = 0; ; waited += VERSION_POLL_MS) {
    const seen = await versionTaskQueues(deps.temporal, deps.deploymentName, buildId);
    if (seen.length > 0 && taskQueues.every((q) => seen.includes(q))) break;
    if (waited >= VERSION_WAIT_MS) {
      throw new Error(
        `the server has not seen workers of ${buildId} poll every queue within ${VERSION_WAIT_MS / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, VERSION_POLL_MS));
  }
  const deployment = await describeDeployment(deps.temporal, deps.deploymentName);
  if (deployment.current === buildId) return null;
  if (mode === 'if-none' && deployment.current !== null) return null;
  try {
    return (await runReleaseCommand(deps, { command: 'promote', buildId }, who)).summary;
  } catch (err) {
    const now = await describeDeployment(deps.temporal, deps.deploymentName);
    if (now.current === buildId) return null;
    throw err;
  }
}
