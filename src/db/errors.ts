/**
 * The PostgreSQL SQLSTATE of an error, wherever it sits: `code` of a pg error, or inside Prisma's
 * driver-adapter error (`meta.driverAdapterError.cause`). Prisma's own codes (P1xxx–P6xxx) are not
 * SQLSTATEs and are skipped.
 */
export function sqlStateOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } } } | undefined;
  const adapter = e?.meta?.driverAdapterError?.cause;
  return [adapter?.originalCode, adapter?.code, e?.meta?.code, e?.code].find(
    (code): code is string => typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9]/.test(code),
  );
}
