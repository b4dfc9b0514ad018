// Every worker is a version of the worker deployment (Worker Versioning): the deployment's name and
// this build's ID, the workflows pinned by default (each type's behaviour is set in the bundle from
// contracts/releases.ts; the stats coordinator auto-upgrades).
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import { buildInfo } from '../build-info.ts';
import type { Config } from '../config.ts';

/** WORKER_BUILD_ID, else the build's own ID (package version and commit). */
export function workerBuildId(config: Pick<Config, 'WORKER_BUILD_ID'>): string {
  return config.WORKER_BUILD_ID ?? buildInfo().buildId;
}

export function workerDeploymentOptions(
  config: Pick<Config, 'WORKER_BUILD_ID' | 'WORKER_DEPLOYMENT_NAME'>,
): WorkerDeploymentOptions {
  return {
    version: { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: workerBuildId(config) },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'PINNED',
  };
}
