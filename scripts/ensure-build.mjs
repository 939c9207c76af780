#!/usr/bin/env node
/**
 * Builds (`npm run build`) only when the build is missing or older than what it is built
 * from, so that `npm ci` builds once (`prepare`) and `npm start` then starts at once.
 *
 * The build writes dist/.build-stamp last; the build is current when no file it is made of
 * — the TypeScript of src, bench, examples and scripts, the dashboard under web/, the
 * package and TypeScript configuration — changed after it. Plain JavaScript: it runs before
 * anything is compiled. `--force` builds whatever the stamp says.
 *
 * `--prepare` (npm's `prepare`, run by `npm ci`) builds nothing where there is nothing to
 * build from or with: an image's dependency layer (no sources copied yet; package.json runs
 * this only where the script itself is there), or a production install (`--omit=dev`: no
 * compiler; the image copies the build from its build stage).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(root, 'dist', '.build-stamp');
const INPUTS = [
  'src',
  'bench',
  'examples',
  'scripts',
  'web',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];
const SKIPPED = new Set(['node_modules', 'dist', '.vite']);

/** The newest modification time under `path` (ms), 0 when it does not exist. */
const newest = (path) => {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (!SKIPPED.has(entry)) latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
};

if (
  process.argv.includes('--prepare') &&
  (!existsSync(join(root, 'src')) || !existsSync(join(root, 'node_modules', 'typescript')))
)
  process.exit(0);

const builtAt = (() => {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return 0;
  }
})();
const changedAt = Math.max(...INPUTS.map((input) => newest(join(root, input))));
if (!process.argv.includes('--force') && builtAt > changedAt) process.exit(0);

process.stderr.write(
  builtAt === 0 ? 'Building Tributary (once)…\n' : 'Sources changed since the last build: building…\n',
);
const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
