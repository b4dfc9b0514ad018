// Every workflow the workers register, by name, with its signature: what clients start by name
// (services, the outbox, schedules, the jobs API) and what src/workflows/index.ts must export.
import type { ExportWorkflows } from './exports.ts';
import type { MaintenanceWorkflows } from './maintenance.ts';
import type { MinutesWorkflows } from './minutes.ts';
import type { ReconciliationWorkflows } from './reconciliation.ts';
import type { SettlementWorkflows } from './settlement.ts';
import type { StatsWorkflows } from './stats.ts';

export type Workflows = MinutesWorkflows &
  StatsWorkflows &
  SettlementWorkflows &
  MaintenanceWorkflows &
  ExportWorkflows &
  ReconciliationWorkflows;
export type WorkflowName = keyof Workflows;
