// How long a worker process takes to stop, for the process itself and for what runs it: compose's
// stop_grace_period and Kubernetes' terminationGracePeriodSeconds must exceed SHUTDOWN_DEADLINE_SECONDS
// (src/deploy tests check both).

/** In-flight activities get this long to finish after SIGTERM. */
export const WORKER_SHUTDOWN_GRACE_SECONDS = 20;
/**
 * The SDK drains on SIGINT/SIGTERM (up to the grace above). If the server is gone too, that drain can
 * wait forever: the process exits anyway at this deadline, so orchestrators see it end.
 */
export const SHUTDOWN_DEADLINE_SECONDS = 30;
