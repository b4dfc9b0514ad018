#!/usr/bin/env node
// `npm run fuzz`: the long fuzz pass (src/api/fuzz.test.ts with FUZZ=long) on a fresh seed, printed
// first and last so a finding can be replayed: `FUZZ_SEED=<seed> npm run fuzz`. `npm test` runs the
// short pass on a fixed seed instead; what a long pass finds becomes a case in bad-input.test.ts.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const seed = process.env.FUZZ_SEED ?? String(randomInt(1, 2 ** 47));
console.log(`[fuzz] seed ${seed} (replay: FUZZ_SEED=${seed} npm run fuzz)`);
const run = spawnSync(path.join(root, 'node_modules', '.bin', 'vitest'), ['run', 'src/api/fuzz.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ: 'long', FUZZ_SEED: seed },
});
console.log(
  `[fuzz] seed ${seed} ${run.status === 0 ? 'found nothing' : 'found something'}; replay: FUZZ_SEED=${seed} npm run fuzz`,
);
process.exit(run.status ?? 1);
