// Worker Versioning on the server: a worker deployment's versions and routing (which build new runs
// go to), as plain data, and the calls that move it. The release service (services/releases.ts)
// decides what to call; this module only speaks the Temporal API.
import { isGrpcServiceError, type Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import { deploymentVersionKey } from '../contracts/releases.ts';

export type VersionStatus = 'current' | 'ramping' | 'draining' | 'drained' | 'inactive' | 'unknown';

export interface DeploymentVersion {
  buildId: string;
  status: VersionStatus;
  createdAt: string | null;
  /** When it last stopped being current (the version a rollback returns to is the latest of these). */
  lastCurrentAt: string | null;
}

export interface Deployment {
  name: string;
  /** Whether the server knows the deployment (a worker of it has polled). */
  exists: boolean;
  /** The build new runs go to; null: unversioned workers (no version made current yet). */
  current: string | null;
  ramping: { buildId: string; percent: number } | null;
  versions: DeploymentVersion[];
  /** Makes a change conditional on nothing having changed since this read. */
  conflictToken: Uint8Array | null;
}

const Status = protos.temporal.api.enums.v1.WorkerDeploymentVersionStatus;
const statusNames: Record<number, VersionStatus> = {
  [Status.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT]: 'current',
  [Status.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING]: 'ramping',
  [Status.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING]: 'draining',
  [Status.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED]: 'drained',
  [Status.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE]: 'inactive',
};

type Timestamp = protos.google.protobuf.ITimestamp | null | undefined;
function iso(ts: Timestamp): string | null {
  if (!ts?.seconds) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

const GRPC_NOT_FOUND = 5;
function isNotFound(err: unknown): boolean {
  return isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND;
}

export async function describeDeployment(client: Client, name: string): Promise<Deployment> {
  let response: protos.temporal.api.workflowservice.v1.DescribeWorkerDeploymentResponse;
  try {
    response = await client.workflowService.describeWorkerDeployment({
      namespace: client.options.namespace,
      deploymentName: name,
    });
  } catch (err) {
    if (isNotFound(err))
      return { name, exists: false, current: null, ramping: null, versions: [], conflictToken: null };
    throw err;
  }
  const info = response.workerDeploymentInfo;
  const routing = info?.routingConfig;
  const rampingBuildId = routing?.rampingDeploymentVersion?.buildId ?? null;
  return {
    name,
    exists: true,
    current: routing?.currentDeploymentVersion?.buildId ?? null,
    ramping: rampingBuildId ? { buildId: rampingBuildId, percent: routing?.rampingVersionPercentage ?? 0 } : null,
    versions: (info?.versionSummaries ?? [])
      .map((summary) => ({
        buildId: summary.deploymentVersion?.buildId ?? '',
        status: statusNames[summary.status ?? 0] ?? 'unknown',
        createdAt: iso(summary.createTime),
        lastCurrentAt: iso(summary.lastCurrentTime),
      }))
      .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '')),
    conflictToken: response.conflictToken ?? null,
  };
}

/** Makes `buildId` the version new runs go to; answers the build that was current before (null: none). */
export async function setCurrentVersion(
  client: Client,
  deployment: Deployment,
  buildId: string,
  identity: string,
): Promise<string | null> {
  const response = await client.workflowService.setWorkerDeploymentCurrentVersion({
    namespace: client.options.namespace,
    deploymentName: deployment.name,
    buildId,
    identity,
    ...(deployment.conflictToken ? { conflictToken: deployment.conflictToken } : {}),
  });
  return response.previousDeploymentVersion?.buildId || null;
}

/** Sends `percent` of new runs to `buildId` (null: stop ramping, every new run goes to the current). */
export async function setRampingVersion(
  client: Client,
  deployment: Deployment,
  buildId: string | null,
  percent: number,
  identity: string,
): Promise<void> {
  await client.workflowService.setWorkerDeploymentRampingVersion({
    namespace: client.options.namespace,
    deploymentName: deployment.name,
    buildId: buildId ?? '',
    percentage: buildId ? percent : 0,
    identity,
    ...(deployment.conflictToken ? { conflictToken: deployment.conflictToken } : {}),
  });
}

/** Runs still open on a version (visibility: the `TemporalWorkerDeploymentVersion` search attribute). */
export async function countOpenRuns(client: Client, deploymentName: string, buildId: string): Promise<number> {
  const { count } = await client.workflow.count(
    `ExecutionStatus = "Running" AND TemporalWorkerDeploymentVersion = "${deploymentVersionKey(deploymentName, buildId)}"`,
  );
  return count;
}

/** The task queues the server has seen a worker of this version poll. */
export async function versionTaskQueues(client: Client, deploymentName: string, buildId: string): Promise<string[]> {
  try {
    const response = await client.workflowService.describeWorkerDeploymentVersion({
      namespace: client.options.namespace,
      deploymentVersion: { deploymentName, buildId },
    });
    return [...new Set((response.workerDeploymentVersionInfo?.taskQueueInfos ?? []).map((q) => q.name ?? ''))];
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}
