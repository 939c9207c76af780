import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const demo = join(src, 'demo');

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

/** The files of `src` an import of `file` names, by relative specifier. */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1]),
  );

// The platform knows no generators of its own: the CLI, the composition root, hands it the demo's.
describe('the demo', () => {
  it.each(['runtime', 'config', 'connectors', 'server'])('is not imported by src/%s', (layer) => {
    const offending = filesUnder(join(src, layer)).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(`${demo}/`) || target === demo)
        .map((target) => `${relative(src, file)} imports ${relative(src, target)}`),
    );
    expect(offending).toEqual([]);
  });
});
