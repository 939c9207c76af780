import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/**
 * The packages a module loads as it is imported: its imports that are not type-only,
 * followed through the project's own modules. A dynamic `import()` is not followed: that
 * is how a module defers a library to its first use.
 */
const packagesLoadedBy = (entry: string): Set<string> => {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      const specifier =
        (ts.isImportDeclaration(statement) && !isTypeOnly(statement.importClause)) ||
        (ts.isExportDeclaration(statement) && !statement.isTypeOnly)
          ? statement.moduleSpecifier
          : undefined;
      if (!specifier || !ts.isStringLiteral(specifier)) continue;
      const name = specifier.text;
      if (name.startsWith('.')) visit(join(dirname(file), name.replace(/\.js$/, '.ts')));
      else if (!name.startsWith('node:'))
        packages.add(name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]);
    }
  };
  visit(join(SRC, entry));
  return packages;
};

const isTypeOnly = (clause: ts.ImportClause | undefined): boolean => {
  if (!clause) return false; // `import 'x'`: loaded for its effects
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
};

describe('a worker thread', () => {
  it('loads no client library and no configuration parser until a task needs one', () => {
    const loaded = packagesLoadedBy('runtime/workers/worker-main.ts');
    // Each costs a thread tenths of a second to a second of start-up (the Kafka client the most).
    for (const deferred of ['@platformatic/kafka', 'ioredis', 'mqtt', 'nodemailer', 'pg', 'yaml', 'ajv'])
      expect(loaded, deferred).not.toContain(deferred);
    // The walk sees the packages a worker does load.
    expect(loaded).toContain('pino');
  });
});
