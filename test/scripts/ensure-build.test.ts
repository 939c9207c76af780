/**
 * scripts/ensure-build.mjs, run in a folder of its own laid out as the package is: it builds
 * only when a source is newer than the last build, and npm's `prepare` builds nothing where
 * there is nothing to build from or with (an image layer before the sources, `--omit=dev`).
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'tributary-ensure-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SCRIPT = join(root, 'scripts', 'ensure-build.mjs');
/** A package whose build writes a marker file, so that a test sees whether it ran. */
const layOut = () => {
  mkdirSync(join(root, 'scripts'), { recursive: true });
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'dist'), { recursive: true });
  copyFileSync(join(process.cwd(), 'scripts', 'ensure-build.mjs'), SCRIPT);
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ scripts: { build: 'echo built > dist/built' } }),
  );
  writeFileSync(join(root, 'src', 'a.ts'), 'export {};\n');
};
const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);
const run = (...args: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...args], { cwd: root, encoding: 'utf8' });
const built = () => {
  const marker = join(root, 'dist', 'built');
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';
};

describe('ensure-build', () => {
  it('builds when there is no build, then not again until a source changes', () => {
    layOut();
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('Building Tributary (once)');
    expect(built()).toBe('built');

    rmSync(join(root, 'dist', 'built'));
    const current = run();
    expect(current.status).toBe(0);
    expect(current.stderr).toBe('');
    expect(built()).toBe('');

    // A source newer than the build: built again.
    const now = Date.now() / 1000;
    at('dist/.build-stamp', now - 60);
    at('src/a.ts', now);
    const changed = run();
    expect(changed.stderr).toContain('Sources changed since the last build');
    expect(built()).toBe('built');
  });

  it('as npm prepare, builds nothing without a compiler (a production install)', () => {
    layOut();
    rmSync(join(root, 'dist'), { recursive: true, force: true });
    const prepare = run('--prepare');
    expect(prepare.status).toBe(0);
    expect(prepare.stderr).toBe('');
    expect(built()).toBe('');
  });
});
