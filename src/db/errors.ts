/**
 * The PostgreSQL SQLSTATE of an error, wherever it sits: `code` of a pg error, or inside Prisma's
 * driver-adapter error (`meta.driverAdapterError.cause`). Prisma's own codes (P1xxx–P6xxx) are not
 * SQLSTATEs and are skipped.
 */
export function sqlStateOf(err: unknown): string | undefined {
  const e = err as
    | {
        code?: unknown;
        meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } };
      }
    | undefined;
  const adapter = e?.meta?.driverAdapterError?.cause;
  return [adapter?.originalCode, adapter?.code, e?.meta?.code, e?.code].find(
    (code): code is string => typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9]/.test(code),
  );
}

/** How Prisma's pg adapter names a connection that failed (not a query that did). */
const CONNECTION_FAILURE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/**
 * SQLSTATEs of a database that is away or too slow rather than of a bad query: connection
 * exceptions (08), shutdown and crash (57P01-03), too many connections (53300), and a statement
 * cancelled by statement_timeout (57014).
 */
const UNAVAILABLE_STATE = /^(08...|57P0[1-3]|53300|57014)$/;
/** Prisma's own codes for an unreachable server, a closed connection, pool and transaction timeouts. */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024', 'P2028']);
/** pg's messages for a connection lost or never made (they carry no code). */
const UNAVAILABLE_PG_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * Did this error come from PostgreSQL being unreachable, cut off or too slow (so the request could
 * not be carried out and may be retried), rather than from the request itself?
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as
    | {
        code?: unknown;
        message?: unknown;
        meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
        cause?: { kind?: unknown };
      }
    | undefined;
  const kind = e?.meta?.driverAdapterError?.cause?.kind ?? e?.cause?.kind;
  if (typeof kind === 'string' && CONNECTION_FAILURE_KINDS.has(kind)) return true;
  const state = sqlStateOf(err);
  if (state && UNAVAILABLE_STATE.test(state)) return true;
  if (typeof e?.code === 'string' && UNAVAILABLE_PRISMA_CODES.has(e.code)) return true;
  return typeof e?.message === 'string' && UNAVAILABLE_PG_MESSAGE.test(e.message);
}
