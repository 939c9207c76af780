// The npm registry reachable here serves native optional packages (Biome's CLI, Rollup's
// and esbuild's binaries, …) only for some platforms, so `npm install` writes a lockfile
// without the others, and `npm ci` then refuses it as out of sync. This adds those
// entries, restricted by os/cpu/libc as their names say, so that npm skips them on this
// platform and `npm ci` works. Run after `npm install` changes the lockfile:
//   node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const OS = [
  'android',
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
  'openharmony',
  'cygwin',
];
const CPU = ['arm64', 'arm', 'x64', 'ia32', 'ppc64', 'riscv64', 's390x', 'loong64', 'mips64el', 'wasm32'];
const ALIAS = { win32: 'win32', windows: 'win32', macos: 'darwin', gnueabihf: 'arm' };

/** `@rollup/rollup-linux-x64-musl` → { os: ['linux'], cpu: ['x64'], libc: ['musl'] }. */
const platformOf = (name) => {
  const parts = name
    .split('/')
    .pop()
    .split('-')
    .map((p) => ALIAS[p] ?? p);
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  if (!os) return undefined;
  const platform = { os: [os] };
  if (cpu) platform.cpu = [cpu];
  if (parts.includes('musl')) platform.libc = ['musl'];
  else if (parts.includes('gnu') && os === 'linux') platform.libc = ['glibc'];
  return platform;
};

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const added = [];
const unknown = [];
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    const nested = `${path}/node_modules/${dep}`;
    if (packages[key] || packages[nested]) continue;
    const platform = platformOf(dep);
    if (!platform) {
      unknown.push(dep);
      continue;
    }
    const version = String(range).replace(/^[~^=v]/, '');
    packages[key] = { version, ...platform, ...(entry.dev ? { dev: true } : {}), optional: true };
    added.push(dep);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added.length} platform entries added`);
if (unknown.length) console.log(`not added (no platform in the name): ${unknown.join(', ')}`);
