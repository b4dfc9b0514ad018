// `npm run build [-- --out dist]`: compiles src/ and scripts/ to JavaScript (tsc, tsconfig.build.json)
// and prebuilds the workflow bundles into <out>/workflow-bundle.js and <out>/workflow-bundle-traced.js
// (with the tracing interceptors), which a compiled worker loads instead of running webpack at start-up,
// and stamps <out>/build-info.json with the build ID (package version and commit).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { buildInfoFileName, stampBuildInfo } from '../src/build-info.ts';
import { projectRoot } from '../src/paths.ts';
import { bundleFileName, workflowBundleOptions } from '../src/workers/workflow-bundle.ts';

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

// The build ID the workers register as their worker deployment version (WORKER_BUILD_ID overrides it).
const info = stampBuildInfo();
fs.writeFileSync(path.join(out, buildInfoFileName), `${JSON.stringify(info, null, 2)}\n`);
say(`build ${info.buildId}${info.commit ? '' : ' (no commit known: set BUILD_COMMIT)'}`);

const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
for (const traced of [false, true]) {
  started = performance.now();
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions(traced), logger: quiet });
  const file = path.join(out, bundleFileName(traced));
  fs.writeFileSync(file, code);
  say(
    `workflow bundle ${path.relative(projectRoot, file)} (${(code.length / 1024).toFixed(0)} KiB) in ${Math.round(performance.now() - started)} ms`,
  );
}
