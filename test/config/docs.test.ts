import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, ENV_OVERRIDES, parseConfig } from '../../src/config/index.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Every key of the schema, nested ones included, from its JSON Schema. */
const keysOf = (schema: unknown, out = new Set<string>()): Set<string> => {
  if (Array.isArray(schema)) for (const s of schema) keysOf(s, out);
  else if (typeof schema === 'object' && schema !== null) {
    const node = schema as Record<string, unknown>;
    if (node.properties && typeof node.properties === 'object') {
      for (const key of Object.keys(node.properties)) out.add(key);
    }
    for (const value of Object.values(node)) keysOf(value, out);
  }
  return out;
};

/** Every word in `inline code` in the doc's prose and tables (the example alone does not count). */
const codeWords = new Set(
  [...doc.replace(/```[\s\S]*?```/g, '').matchAll(/`[^`\n]+`/g)].flatMap((m) => m[0].split(/[^A-Za-z0-9_]+/)),
);

// A setting missing from docs/configuration.md is one users cannot find.
describe('docs/configuration.md', () => {
  it.each([...keysOf(ConfigSchema)])('documents the key %s', (key) => {
    expect(codeWords.has(key)).toBe(true);
  });

  it.each(ENV_OVERRIDES.map((o) => o.name))('documents the override %s', (name) => {
    expect(doc).toContain(`| \`${name}\` |`);
  });

  it('has a complete example that loads', async () => {
    const example = /## A complete example[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    // The example's module is JavaScript; the test fixture is the same pipeline in TypeScript.
    const text = example!.replace('./pipelines/custom.js', './pipelines/custom.ts');
    const config = await parseConfig(text, { file: `${fixtures}docs-example.yaml`, env: {} });
    expect(config.pipelines.map((p) => p.name)).toEqual(['clicks-per-user', 'temperatures', 'custom']);
    expect(Object.keys(config.sources)).toEqual(['clicks', 'sensors', 'app', 'access', 'orders']);
  });
});
