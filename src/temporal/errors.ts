/** gRPC status codes: UNAVAILABLE (no server, connection lost) and DEADLINE_EXCEEDED (no answer in time). */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** The first gRPC status code along the cause chain: the client wraps it (`ServiceError: Failed to list workflows`). */
function grpcCodeOf(err: unknown): number | undefined {
  let current = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === 'number') return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

/** Temporal cannot be reached at all (as opposed to slow): UNAVAILABLE, or a connection that failed. */
export function isTemporalUnreachable(err: unknown): boolean {
  return grpcCodeOf(err) === UNAVAILABLE || /connect|UNAVAILABLE|ECONNREFUSED/i.test(String((err as Error)?.message ?? err));
}

/**
 * Did this error come from Temporal being unreachable or not answering in time, rather than from
 * the request?
 */
export function isTemporalUnavailable(err: unknown): boolean {
  const code = grpcCodeOf(err);
  return code === UNAVAILABLE || code === DEADLINE_EXCEEDED;
}
