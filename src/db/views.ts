import type { Tx } from './client.ts';

/**
 * The project's materialized views, each with a unique index so it can be refreshed CONCURRENTLY
 * (readers keep the old contents until the new ones are swapped in). The stats aggregations refresh
 * theirs after each run; the `views-hourly` schedule refreshes all of them.
 */
export const materializedViews = ['hall_of_fame'] as const;
export type MaterializedView = (typeof materializedViews)[number];

/** Refreshes `view` concurrently and returns how many rows it holds afterwards. */
export async function refreshMaterializedView(tx: Tx, view: MaterializedView): Promise<number> {
  // `view` is one of the names above, never input: safe to splice into the statement.
  await tx.$executeRawUnsafe(`REFRESH MATERIALIZED VIEW CONCURRENTLY "${view}"`);
  const [row] = await tx.$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM "${view}"`);
  return Number(row!.count);
}
