// What the audit log records: every action a person or a machine takes through the admin API or the
// console, named the same way whichever way it came.

export const auditActions = [
  'job.retry',
  'jobs.retry',
  'job.cancel',
  'job.terminate',
  'stats.run',
  'stats-switches.update',
  'cache.invalidate',
  'schedule.run',
  'schedule.pause',
  'schedule.unpause',
  'schedule.backfill',
  'scoreboard.rebuild',
  'export.create',
  'reconciliation.start',
  'reconciliation.repair',
  'release',
  'operator.login',
  'operator.logout',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** `succeeded`; `refused` (invalid, not allowed, or in conflict with the state: a 4xx); `failed` (an error: a 5xx). */
export type AuditOutcome = 'succeeded' | 'refused' | 'failed';

export function auditOutcomeOf(status: number): AuditOutcome {
  return status < 400 ? 'succeeded' : status < 500 ? 'refused' : 'failed';
}
