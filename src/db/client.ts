import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export { Prisma };
export type { PrismaClient };
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface PrismaOptions {
  poolSize?: number;
  /**
   * PostgreSQL's statement_timeout for every session, the longest wait for a connection, and the
   * client's own deadline per query (this plus a margin for the network). Unset: no limit (scripts,
   * benchmarks).
   */
  statementTimeoutMs?: number;
  /**
   * A pooled connection failed while idle (PostgreSQL restarted, the network cut it): the pool drops
   * it and makes another when needed. Without a listener pg's pool would throw the error and end the
   * process.
   */
  onError?: (err: Error) => void;
}

/** How much longer than statement_timeout a query may go unanswered before its connection is cut. */
const NETWORK_MARGIN_MS = 2000;

/**
 * A pg client whose every query has a hard deadline. When the server does not answer in time (a
 * stalled network: statement_timeout cannot help, the server may never have seen the query), the
 * connection is destroyed, so the query fails at once and the pool replaces the connection. pg's own
 * query_timeout fails the query but leaves the connection busy with it, to be lent out again stuck.
 */
function clientWithDeadline(deadlineMs: number): typeof pg.Client {
  return class DeadlineClient extends pg.Client {
    override query(...args: unknown[]): never {
      const timer = setTimeout(() => {
        // Shaped as a socket timeout, which Prisma's adapter reports as SocketTimeout.
        const error = Object.assign(new Error(`PostgreSQL did not answer within ${deadlineMs} ms; connection closed`), {
          code: 'ETIMEDOUT',
          syscall: 'read',
          errno: -110,
        });
        this.connection.stream.destroy(error);
      }, deadlineMs);
      const clear = () => clearTimeout(timer);
      // The pool calls query(text, values, callback); Prisma's transactions use the promise form.
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        args[last] = (...results: unknown[]) => {
          clear();
          return (callback as (...r: unknown[]) => unknown)(...results);
        };
      }
      const result = (super.query as (...a: unknown[]) => unknown).apply(this, args);
      if (result instanceof Promise) result.then(clear, clear);
      else if (typeof callback !== 'function') clear(); // a submittable (cursor): not ours to time
      return result as never;
    }
  };
}

export function createPrisma(databaseUrl: string, options: PrismaOptions = {}): PrismaClient {
  const { statementTimeoutMs } = options;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    keepAlive: true,
    ...(statementTimeoutMs
      ? {
          // Waiting for a connection (a new one, or a free one from a full pool) is bounded too.
          connectionTimeoutMillis: statementTimeoutMs,
          statement_timeout: statementTimeoutMs,
          // A transaction whose client vanished does not hold its locks for long.
          idle_in_transaction_session_timeout: Math.max(60_000, statementTimeoutMs * 2),
          Client: clientWithDeadline(statementTimeoutMs + NETWORK_MARGIN_MS),
        }
      : {}),
  });
  pool.on('error', options.onError ?? (() => {}));
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  return new PrismaClient({ adapter });
}
