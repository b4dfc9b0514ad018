/** gRPC status codes of a Temporal server that is away or too slow (UNAVAILABLE, DEADLINE_EXCEEDED). */
const UNAVAILABLE_GRPC_CODES = new Set([14, 4]);

/**
 * Did this error come from Temporal being unreachable or not answering in time, rather than from
 * the request? The client wraps the gRPC error (`ServiceError: Failed to list workflows`), so the
 * code is looked for along the cause chain.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  let current = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === 'number' && UNAVAILABLE_GRPC_CODES.has(current.code)) return true;
    current = current.cause as typeof current;
  }
  return false;
}
