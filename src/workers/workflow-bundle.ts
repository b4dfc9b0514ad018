// Where a worker gets its workflow code: compiled deployments load the bundle `npm run build` made
// (dist/workflow-bundle.js), so a production worker starts without webpack; running from sources (dev,
// tests) bundles src/workflows once at start-up.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, type LogLevel, type Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from '../logger.ts';
import { workflowInterceptorModules } from './telemetry.ts';

/** The workflows' entry point: every workflow the workers register. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Where `npm run build` puts the bundle, relative to the compiled worker (dist/src/workers -> dist). */
export const prebuiltBundlePath = path.resolve(import.meta.dirname, '../../workflow-bundle.js');
const runningCompiled = import.meta.url.endsWith('.js');

/** The SDK's logger interface over pino, at `minLevel` and above (its INFO lines are webpack's stats). */
export function sdkLogger(logger: Logger, minLevel: LogLevel = 'WARN'): SdkLogger {
  const methods = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  return new DefaultLogger(minLevel, (entry) => logger[methods[entry.level]]({ ...entry.meta }, entry.message));
}

export async function workflowBundle(logger: Logger): Promise<{ code: string } | { codePath: string }> {
  if (runningCompiled) {
    if (!fs.existsSync(prebuiltBundlePath)) throw new Error(`${prebuiltBundlePath} is missing: build with \`npm run build\``);
    logger.info({ codePath: prebuiltBundlePath }, 'loading the prebuilt workflow bundle');
    return { codePath: prebuiltBundlePath };
  }
  const started = performance.now();
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: sdkLogger(logger) });
  logger.info({ durationMs: Math.round(performance.now() - started), bytes: code.length }, 'bundled workflow code from src/workflows');
  return { code };
}
