// Which build this is: the worker deployment version's build ID (Worker Versioning) and what the
// release commands call "this build". `npm run build` stamps it into dist/build-info.json from the
// package version and the commit (BUILD_COMMIT, or git's HEAD); running from sources works it out the
// same way at start-up.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageVersion, projectRoot } from './paths.ts';

export interface BuildInfo {
  buildId: string;
  version: string;
  commit: string | null;
}

/** The commit being built: BUILD_COMMIT (an image build has no .git), else git's HEAD, else none. */
function currentCommit(): string | null {
  const given = process.env.BUILD_COMMIT?.trim();
  if (given) return given;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

/** The build ID for a package version and commit: `0.1.0-1a2b3c4d5e6f`, or the version alone. */
export function buildIdFor(version: string, commit: string | null): string {
  return commit ? `${version}-${commit.slice(0, 12)}` : version;
}

/** Works out this build's identity from the package and the commit (what `npm run build` stamps). */
export function stampBuildInfo(): BuildInfo {
  const commit = currentCommit();
  return { buildId: buildIdFor(packageVersion, commit), version: packageVersion, commit };
}

export const buildInfoFileName = 'build-info.json';

let cached: BuildInfo | undefined;
/** This build: the stamp `npm run build` wrote beside the compiled code, or worked out from sources. */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const stamped = path.resolve(import.meta.dirname, '..', buildInfoFileName); // dist/src -> dist
  cached =
    import.meta.url.endsWith('.js') && fs.existsSync(stamped)
      ? (JSON.parse(fs.readFileSync(stamped, 'utf8')) as BuildInfo)
      : stampBuildInfo();
  return cached;
}
