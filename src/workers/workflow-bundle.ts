// Where a worker gets its workflow code: compiled deployments load a bundle `npm run build` made
// (dist/workflow-bundle.js, or dist/workflow-bundle-traced.js), so a production worker starts without
// webpack; running from sources (dev, tests) bundles src/workflows once at start-up.
//
// Two bundles, because the workflow-side OpenTelemetry interceptors are not free when nothing traces:
// each cached workflow gets its own copy of the OpenTelemetry SDK and an AsyncLocalStorage, about
// 3.4x the heap of a cached stats run without them (360 against 105 KiB on Node 24), and on Node
// before 24, whose AsyncLocalStorage copies every store onto every promise, a cost that grows with the
// cache itself (1.3 MiB each at 1,000 cached on Node 20; `npm run bench:worker-cache`). So a worker
// that does not trace runs the bundle without them. The interceptors add no commands, and no workflow
// draws the random numbers they also draw (docs/deploy.md), so either bundle replays the other's
// histories (src/workflows/replay.test.ts); only stats coordinators from before the patch
// stats-refresh-id-from-run must stay on the bundle they ran on (the traced one).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, type LogLevel, type Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from '../logger.ts';
import { workflowInterceptorModules } from './telemetry.ts';

/** The workflows' entry point: every workflow the workers register. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The file name of each bundle `npm run build` writes. */
export function bundleFileName(traced: boolean): string {
  return traced ? 'workflow-bundle-traced.js' : 'workflow-bundle.js';
}

/** What to bundle: the workflows, with the tracing interceptors or without. */
export function workflowBundleOptions(traced: boolean) {
  return { workflowsPath, workflowInterceptorModules: traced ? workflowInterceptorModules : [] };
}
const runningCompiled = import.meta.url.endsWith('.js');

/** The SDK's logger interface over pino, at `minLevel` and above (its INFO lines are webpack's stats). */
export function sdkLogger(logger: Logger, minLevel: LogLevel = 'WARN'): SdkLogger {
  const methods = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  return new DefaultLogger(minLevel, (entry) => logger[methods[entry.level]]({ ...entry.meta }, entry.message));
}

/** The workflow code for a worker that traces (`traced`) or does not. */
export async function workflowBundle(
  logger: Logger,
  { traced }: { traced: boolean },
): Promise<{ code: string } | { codePath: string }> {
  if (runningCompiled) {
    // Relative to the compiled worker (dist/src/workers -> dist).
    const codePath = path.resolve(import.meta.dirname, '../..', bundleFileName(traced));
    if (!fs.existsSync(codePath)) throw new Error(`${codePath} is missing: build with \`npm run build\``);
    logger.info({ codePath, traced }, 'loading the prebuilt workflow bundle');
    return { codePath };
  }
  const started = performance.now();
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions(traced), logger: sdkLogger(logger) });
  logger.info(
    { durationMs: Math.round(performance.now() - started), bytes: code.length, traced },
    'bundled workflow code from src/workflows',
  );
  return { code };
}
