/**
 * Writes the tables of the docs that the connectors define: in docs/connectors.md each
 * connector's options, from its TypeBox schema (between `<!-- options:<type> -->` and
 * `<!-- /options:<type> -->`), and the sinks' guarantees (`<!-- guarantees -->`), which
 * docs/architecture.md shows too. Everything else in a doc is prose and left as it is.
 * test/docs/connectors.test.ts fails when a doc is behind the connectors.
 *
 *   npm run docs:connectors        # node dist/scripts/connector-docs.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INTAKE_CONNECTORS, SINK_CONNECTORS } from '../src/connectors/registry.js';

export const CONNECTOR_DOCS_COMMAND = 'npm run docs:connectors';

/** The JSON Schema of one option, as far as the tables read it. */
interface OptionSchema {
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly default?: unknown;
  /** A default that is not a value (`the sink name`), in words. */
  readonly 'x-default'?: string;
  readonly examples?: readonly unknown[];
  readonly description?: string;
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly maximum?: number;
  readonly items?: OptionSchema;
  readonly anyOf?: readonly OptionSchema[];
}

interface BlockSchema {
  readonly properties: Readonly<Record<string, OptionSchema>>;
  readonly required?: readonly string[];
}

const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** A cell: pipes would end it, newlines would end the row. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

const typeOf = (option: OptionSchema): string => {
  if (option.const !== undefined) return code(option.const);
  if (option.enum) return option.enum.map(code).join(' | ');
  if (option.anyOf) return option.anyOf.map(typeOf).join(' or ');
  if (option.format === 'duration' || option.format === 'size') return option.format;
  const types = [option.type ?? 'any'].flat();
  const named = types.map((t) => (t === 'array' && option.items ? `list of ${typeOf(option.items)}` : t));
  const bounds = [
    option.exclusiveMinimum === undefined ? '' : `> ${option.exclusiveMinimum}`,
    option.minimum === undefined ? '' : `≥ ${option.minimum}`,
    option.maximum === undefined ? '' : `≤ ${option.maximum}`,
  ].filter(Boolean);
  return `${named.join(' or ')}${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
};

const defaultOf = (option: OptionSchema, required: boolean): string => {
  if (option.default !== undefined) return code(option.default);
  if (option['x-default']) return option['x-default'];
  return required ? 'required' : '—';
};

const descriptionOf = (option: OptionSchema): string => {
  const example = option.examples?.find((e) => e !== option.default);
  return [option.description ?? '', example === undefined ? '' : `e.g. ${code(example)}`]
    .filter(Boolean)
    .join('; ');
};

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`).join('\n');

/** Key, type, default and description of every option of a connector's block; `type` says what it is. */
export const optionsTable = (connector: { readonly options: unknown; readonly summary: string }): string => {
  const block = connector.options as BlockSchema;
  const required = new Set(block.required ?? []);
  return table(
    ['key', 'type', 'default', 'meaning'],
    Object.entries(block.properties).map(([key, option]) => [
      code(key),
      typeOf(option),
      defaultOf(option, required.has(key)),
      key === 'type' ? connector.summary : descriptionOf(option),
    ]),
  );
};

/** What each sink connector promises after a crash, for the sinks a configuration can name. */
export const guaranteeTable = (): string =>
  table(
    ['`type`', 'guarantee', 'what it does'],
    SINK_CONNECTORS.filter((c) => !c.internal).map((c) => [code(c.type), c.guarantee, c.summary]),
  );

/** Every generated table, by the name of its markers. */
export const generatedTables = (): ReadonlyMap<string, string> =>
  new Map([
    ['guarantees', guaranteeTable()],
    ...[...INTAKE_CONNECTORS, ...SINK_CONNECTORS.filter((c) => !c.internal)].map(
      (c) => [`options:${c.type}`, optionsTable(c)] as [string, string],
    ),
  ]);

const literally = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The docs with generated tables, and the tables each holds (all of them when not named). */
export const GENERATED_DOCS: Readonly<Record<string, readonly string[] | undefined>> = {
  'docs/connectors.md': undefined,
  'docs/architecture.md': ['guarantees'],
};

/**
 * The doc with its generated tables rewritten (every table, or those named). Throws when the
 * doc lacks a table's markers.
 */
export const renderConnectorDocs = (
  doc: string,
  names?: readonly string[],
  file = 'docs/connectors.md',
): string => {
  let out = doc;
  const missing: string[] = [];
  for (const [name, body] of generatedTables()) {
    if (names && !names.includes(name)) continue;
    const block = new RegExp(`(<!-- ${literally(name)} -->\\n)[\\s\\S]*?(\\n?<!-- /${literally(name)} -->)`);
    if (!block.test(out)) missing.push(`<!-- ${name} --> … <!-- /${name} -->`);
    else out = out.replace(block, (_, open: string) => `${open}${body}\n<!-- /${name} -->`);
  }
  if (missing.length > 0) {
    throw new Error(
      `${file} has no place for ${missing.join(', ')}; add the markers where the table belongs, then run ${CONNECTOR_DOCS_COMMAND}`,
    );
  }
  return out;
};

const main = (): void => {
  for (const [file, names] of Object.entries(GENERATED_DOCS)) {
    const before = readFileSync(resolve(file), 'utf8');
    const after = renderConnectorDocs(before, names, file);
    if (after !== before) writeFileSync(resolve(file), after);
    process.stdout.write(`${file}: ${after === before ? 'up to date' : 'tables rewritten'}\n`);
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
