// Two builds' snapshots compared kind by kind: every subject whose numbers differ, is missing from one,
// or is new in the other; and the differences an `--expect` file lists as intended, with their reasons.
import fs from 'node:fs';
import { z } from 'zod';
import type { Snapshot } from './snapshot.ts';

export interface Difference {
  kind: string;
  subject: string;
  baseline: unknown;
  candidate: unknown;
}

export function compareSnapshots(baseline: Snapshot, candidate: Snapshot): Difference[] {
  const differences: Difference[] = [];
  for (const kind of [...new Set([...Object.keys(baseline), ...Object.keys(candidate)])].sort()) {
    const a = baseline[kind] ?? {};
    const b = candidate[kind] ?? {};
    for (const subject of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (JSON.stringify(a[subject]) !== JSON.stringify(b[subject])) {
        differences.push({ kind, subject, baseline: a[subject] ?? null, candidate: b[subject] ?? null });
      }
    }
  }
  return differences;
}

const ExpectFile = z.object({
  expected: z.array(
    z.object({
      kind: z.string().min(1),
      /** A subject's text (as the check prints it), or none: every difference of the kind. */
      subject: z.string().min(1).optional(),
      reason: z.string().min(1, 'say why this difference is intended'),
    }),
  ),
});
export type Expectations = z.infer<typeof ExpectFile>['expected'];

export function readExpectations(file: string): Expectations {
  const parsed = ExpectFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.expected;
}

/** The reason a difference is intended, if the expectations list it. */
export function intendedBy(difference: Difference, expectations: Expectations): string | null {
  const found = expectations.find(
    (e) => e.kind === difference.kind && (e.subject === undefined || e.subject === difference.subject),
  );
  return found?.reason ?? null;
}
