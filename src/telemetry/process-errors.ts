// The last line of defence of every long-running process (the API, each worker): an error nobody
// handled is logged with its stack and the component, counted in fulltime_process_errors_total{kind}
// (alert FulltimeProcessErrors), and never ends the process on the spot.
//   - An unhandled rejection is a bug (a promise whose failure nobody waited for); the work it belonged
//     to has already failed or moved on, so the process carries on.
//   - An uncaught exception may have left the process in an unknown state: it stops gracefully (a
//     worker drains its in-flight activities, the API finishes its requests) and exits 1, so its
//     orchestrator starts it again, instead of dying mid-activity.
import type { Logger } from '../logger.ts';
import { metrics, ProcessErrorKinds } from './metrics.ts';

export interface ProcessErrorOptions {
  component: string;
  logger: Logger;
  /** Stops the process gracefully (drain, close connections); called once, on the first uncaught exception. */
  shutdown: () => Promise<void>;
  /** How long the graceful stop may take before the process exits anyway. */
  deadlineMs: number;
}

/** Installs the handlers; answers a function that removes them (tests). */
export function installProcessErrorHandlers(options: ProcessErrorOptions): () => void {
  const { component, logger } = options;
  let stopping = false;
  const onRejection = (reason: unknown) => {
    metrics.processErrors.inc({ kind: ProcessErrorKinds.unhandledRejection });
    logger.error(
      { err: reason, component, kind: ProcessErrorKinds.unhandledRejection },
      'unhandled promise rejection (a bug: the failure was not waited for); carrying on',
    );
  };
  const onException = (err: Error) => {
    metrics.processErrors.inc({ kind: ProcessErrorKinds.uncaughtException });
    logger.error(
      { err, component, kind: ProcessErrorKinds.uncaughtException },
      stopping ? 'uncaught exception while stopping' : 'uncaught exception; stopping gracefully',
    );
    if (stopping) return;
    stopping = true;
    process.exitCode = 1;
    setTimeout(() => {
      logger.error(
        { component },
        `did not stop within ${options.deadlineMs / 1000} s of an uncaught exception; exiting`,
      );
      logger.flush();
      process.exit(1);
    }, options.deadlineMs).unref();
    options.shutdown().then(
      () => logger.flush(),
      (shutdownErr: unknown) => {
        logger.error({ err: shutdownErr, component }, 'graceful stop failed; exiting');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
