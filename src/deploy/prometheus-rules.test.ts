// The alert rules as Prometheus reads them: promtool checks deploy/prometheus/alerts.yml and runs its
// unit tests (alerts.test.yml), and every alert an operator is promised exists with a summary, a
// severity and a runbook section that is really there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../test/harness.ts';

const rulesDir = path.join(projectRoot, 'deploy', 'prometheus');
const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: rulesDir, encoding: 'utf8' });

/** GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');

const alertNames = [
  'FulltimeOutboxBacklog',
  'FulltimeWorkflowFailures',
  'FulltimeSettlementFailed',
  'FulltimeScheduleLate',
  'FulltimeScoreboardBehind',
  'FulltimeTemporalUnreachable',
  'FulltimeNoWorkerPolling',
  'FulltimeApiErrors',
  'FulltimeProcessErrors',
  'FulltimeNumbersDrift',
  'FulltimeReconciliationStale',
];

describe('alert rules', () => {
  it('are valid rules for promtool', () => {
    const checked = promtool('check', 'rules', 'alerts.yml');
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const tested = promtool('test', 'rules', 'alerts.test.yml');
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain('SUCCESS');
  });

  it('are the alerts operators are promised, each with a summary, a severity and its runbook', () => {
    const rules = (
      parse(fs.readFileSync(path.join(rulesDir, 'alerts.yml'), 'utf8')) as {
        groups: { rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    // An alert may take two rules (FulltimeReconciliationStale: stale, or none ever).
    expect([...new Set(rules.map((r) => r.alert))].sort()).toEqual([...alertNames].sort());
    const runbooks = fs.readFileSync(path.join(projectRoot, 'docs', 'runbooks.md'), 'utf8');
    const anchors = new Set([...runbooks.matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1]!)));
    for (const rule of rules) {
      expect(rule.labels.severity, rule.alert).toMatch(/^(critical|warning)$/);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook, rule.alert).toBe(`docs/runbooks.md#${rule.alert.toLowerCase()}`);
      expect(anchors.has(rule.alert.toLowerCase()), `a section "${rule.alert}" in docs/runbooks.md`).toBe(true);
    }
  });

  it('tests every alert, firing and quiet', () => {
    const tests = (
      parse(fs.readFileSync(path.join(rulesDir, 'alerts.test.yml'), 'utf8')) as {
        tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
      }
    ).tests.flatMap((t) => t.alert_rule_test);
    for (const name of alertNames) {
      const cases = tests.filter((t) => t.alertname === name);
      expect(
        cases.some((c) => c.exp_alerts.length > 0),
        `${name} fires in a test`,
      ).toBe(true);
      expect(
        cases.some((c) => c.exp_alerts.length === 0),
        `${name} stays quiet in a test`,
      ).toBe(true);
    }
  });
});
