// Run-time switches for the stats triggers and aggregations (the seeds' feature flags, done properly):
// stored in PostgreSQL, read by the API (triggers) and by each stats run (aggregations, the cron
// trigger), every change recorded with the request that made it.
import type { PrismaClient, Tx } from '../../db/client.ts';
import { aggregationNames, statsTriggers, type StatsSwitches } from '../../contracts/stats.ts';
import type { WriteScope } from '../write.ts';

type Kind = 'trigger' | 'aggregation';

/** The current switches: every known trigger and aggregation, on unless a row says off. */
export async function getStatsSwitches(db: PrismaClient | Tx): Promise<StatsSwitches> {
  const rows = await db.statsSwitch.findMany();
  const state = (kind: Kind, name: string) => rows.find((r) => r.kind === kind && r.name === name)?.enabled ?? true;
  return {
    triggers: Object.fromEntries(statsTriggers.map((t) => [t, state('trigger', t)])) as StatsSwitches['triggers'],
    aggregations: Object.fromEntries(
      aggregationNames.map((a) => [a, state('aggregation', a)]),
    ) as StatsSwitches['aggregations'],
  };
}

export interface SwitchChange {
  kind: Kind;
  name: string;
  oldEnabled: boolean;
  newEnabled: boolean;
}

/** Applies any part of the switches; records each real change; answers the whole new state. */
export async function updateStatsSwitches(
  scope: WriteScope,
  patch: Partial<{
    triggers: Partial<StatsSwitches['triggers']>;
    aggregations: Partial<StatsSwitches['aggregations']>;
  }>,
): Promise<StatsSwitches> {
  const { tx } = scope;
  // One writer at a time, so each recorded change's "old" is what the previous one left.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('fulltime:stats-switches'))`;
  const before = await getStatsSwitches(tx);
  const wanted: { kind: Kind; name: string; enabled: boolean; old: boolean }[] = [
    ...Object.entries(patch.triggers ?? {}).map(([name, enabled]) => ({
      kind: 'trigger' as const,
      name,
      enabled: enabled!,
      old: before.triggers[name as keyof StatsSwitches['triggers']],
    })),
    ...Object.entries(patch.aggregations ?? {}).map(([name, enabled]) => ({
      kind: 'aggregation' as const,
      name,
      enabled: enabled!,
      old: before.aggregations[name as keyof StatsSwitches['aggregations']],
    })),
  ].filter((w) => w.enabled !== w.old);
  for (const { kind, name, enabled, old } of wanted) {
    await tx.statsSwitch.upsert({
      where: { kind_name: { kind, name } },
      create: { kind, name, enabled },
      update: { enabled, updatedAt: new Date() },
    });
    await tx.statsSwitchChange.create({
      data: { requestId: scope.requestId, kind, name, oldEnabled: old, newEnabled: enabled },
    });
  }
  return getStatsSwitches(tx);
}
