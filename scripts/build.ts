// `npm run build [-- --out dist]`: compiles src/ and scripts/ to JavaScript (tsc, tsconfig.build.json)
// and prebuilds the workflow bundle into <out>/workflow-bundle.js, which a compiled worker loads
// instead of running webpack at start-up.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot } from '../src/paths.ts';
import { workflowInterceptorModules } from '../src/workers/telemetry.ts';
import { workflowsPath } from '../src/workers/workflow-bundle.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
const out = path.resolve(projectRoot, values.out);
const say = (line: string) => console.log(`[build] ${line}`);

fs.rmSync(out, { recursive: true, force: true });
let started = performance.now();
const tsc = spawnSync(path.join(projectRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', out], {
  cwd: projectRoot,
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error(`[build] tsc failed (exit code ${tsc.status})`);
  process.exit(1);
}
say(`compiled to ${path.relative(projectRoot, out)}/ in ${Math.round(performance.now() - started)} ms`);

started = performance.now();
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: quiet });
fs.writeFileSync(path.join(out, 'workflow-bundle.js'), code);
say(`workflow bundle ${path.relative(projectRoot, out)}/workflow-bundle.js (${(code.length / 1024).toFixed(0)} KiB) in ${Math.round(performance.now() - started)} ms`);
