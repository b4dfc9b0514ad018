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

/**
 * An error's message with its causes' ("Failed to start Workflow: 4 DEADLINE_EXCEEDED: Deadline
 * exceeded"): the client's own message says what failed, its cause why.
 */
export function errorChain(err: unknown): string {
  const messages: string[] = [];
  let current = err as { message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    const message =
      current instanceof Error || typeof current.message === 'string' ? String(current.message) : String(current);
    if (message && !messages.includes(message)) messages.push(message);
    current = current.cause as typeof current;
  }
  return messages.join(': ');
}

/** Temporal cannot be reached at all (as opposed to slow): UNAVAILABLE, or a connection that failed. */
export function isTemporalUnreachable(err: unknown): boolean {
  return (
    grpcCodeOf(err) === UNAVAILABLE || /connect|UNAVAILABLE|ECONNREFUSED/i.test(String((err as Error)?.message ?? err))
  );
}

/**
 * Did this error come from Temporal being unreachable or not answering in time, rather than from
 * the request?
 */
export function isTemporalUnavailable(err: unknown): boolean {
  const code = grpcCodeOf(err);
  return code === UNAVAILABLE || code === DEADLINE_EXCEEDED;
}
