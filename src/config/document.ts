import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  visit,
} from 'yaml';
import {
  type Environment,
  hasPlaceholder,
  hideReferences,
  plainScalar,
  resolveReferences,
  revealReferences,
} from './env.js';
import { type ConfigPath, formatPath } from './issues.js';

/** A problem found while reading the file, before any schema applies. */
export interface DocumentProblem {
  readonly path: ConfigPath;
  readonly line: number;
  readonly message: string;
}

/** The parsed file: its data, and where each value of it was written. */
export interface ConfigDocument {
  /** The data, with `${ENV}` references resolved; undefined when the YAML does not parse. */
  readonly data: unknown;
  readonly problems: readonly DocumentProblem[];
  /** Fields whose `${ENV}` reference could not be resolved: any other problem with them follows from that. */
  readonly unresolved: ReadonlySet<string>;
  /** The 1-based line of the value at `path`, or of its nearest ancestor that is in the file. */
  lineOf(path: ConfigPath): number;
  /** The value at `path` as written in the file, `${...}` references included (for messages). */
  sourceOf(path: ConfigPath): string | undefined;
}

/** Parses YAML, resolving `${NAME}` references from `env` in scalar values. */
export const readDocument = (text: string, env: Environment): ConfigDocument => {
  const { text: hidden, references } = hideReferences(text);
  const lines = new LineCounter();
  // Keys are checked for uniqueness below, in linear time: the parser's own check is
  // quadratic in the keys of a map (a file of 50,000 keys took 21 s).
  const doc = parseDocument(hidden, {
    lineCounter: lines,
    prettyErrors: false,
    merge: true,
    uniqueKeys: false,
  });
  const lineAt = (offset: number) => lines.linePos(offset).line;
  const problems: DocumentProblem[] = doc.errors.map((error) => ({
    path: [],
    line: lineAt(error.pos[0]),
    message: yamlMessage(revealReferences(error.message, references)),
  }));
  if (problems.length === 0) problems.push(...repeatedKeys(doc, lineAt));
  const written = new Map<Scalar, string>();
  const unresolved = new Set<string>();
  const parsed = problems.length === 0;
  if (parsed) {
    visit(doc, {
      Scalar(_key, node, ancestors) {
        if (typeof node.value !== 'string' || !hasPlaceholder(node.value)) return;
        const original = node.value;
        written.set(node, revealReferences(original, references));
        const path = pathOf(ancestors, node);
        const resolved = resolveReferences(original, references, env, (message) => {
          problems.push({ path, line: lineAt(node.range?.[0] ?? 0), message });
          unresolved.add(formatPath(path));
        });
        node.value = node.type === 'PLAIN' ? plainScalar(resolved) : resolved;
      },
    });
  }
  let data: unknown;
  if (parsed) {
    try {
      // An empty file is an empty configuration.
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      problems.push({ path: [], line: firstAliasLine(doc, lineAt), message: ALIAS_BOMB });
    }
  }
  return {
    data,
    problems,
    unresolved,
    lineOf: (path) => locate(doc, path, lineAt).line,
    sourceOf: (path) => {
      const found = locate(doc, path, lineAt);
      if (!found.exact || !isScalar(found.node)) return undefined;
      return written.get(found.node as Scalar) ?? String(found.node.value);
    },
  };
};

/** How many values aliases (`*name`) may expand to in all: far more than a configuration needs. */
const MAX_ALIAS_COUNT = 1000;
const ALIAS_BOMB =
  `the YAML's aliases (*name) expand to more than ${MAX_ALIAS_COUNT} values, as an alias bomb ` +
  '("billion laughs") does; write the repeated settings out, or alias fewer of them';

/** A key given twice in one map, each after the first: one problem each, at its line. */
const repeatedKeys = (doc: Document, lineAt: (offset: number) => number): DocumentProblem[] => {
  const problems: DocumentProblem[] = [];
  visit(doc, {
    Map(_key, map, ancestors) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        problems.push({
          path: [...pathOf(ancestors, map), String(key)],
          line: lineAt((pair.key as Node | null)?.range?.[0] ?? 0),
          message: `the YAML does not parse: map keys must be unique (${JSON.stringify(String(key))} is given twice)`,
        });
      }
    },
  });
  return problems;
};

/** The line of the first alias, where an alias bomb goes off. */
const firstAliasLine = (doc: Document, lineAt: (offset: number) => number): number => {
  let line = 1;
  visit(doc, {
    Alias(_key, node) {
      line = lineAt(node.range?.[0] ?? 0);
      return visit.BREAK;
    },
  });
  return line;
};

/** Drops the position prefix the yaml package puts in some messages; the line is given apart. */
const yamlMessage = (message: string): string => {
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  return `the YAML does not parse: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
};

/** The path of `node` from the ancestors `visit` gives. */
const pathOf = (ancestors: readonly unknown[], node: unknown): (string | number)[] => {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
    else if (isPair(parent) && parent.value === child) path.push(keyText(parent.key));
  }
  return path;
};

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

/**
 * Follows `path` through the document: the line of each map entry is its key's line, the
 * line of a list item its first line. Stops at the deepest node it finds.
 */
const locate = (
  doc: Document,
  path: ConfigPath,
  lineAt: (offset: number) => number,
): { line: number; node: unknown; exact: boolean } => {
  let node: unknown = doc.contents;
  let line = nodeLine(node, lineAt) ?? 1;
  for (const part of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(part));
      if (!pair) return { line, node, exact: false };
      line = nodeLine(pair.key, lineAt) ?? nodeLine(pair.value, lineAt) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number' && part < node.items.length) {
      node = node.items[part];
      line = nodeLine(node, lineAt) ?? line;
    } else {
      return { line, node, exact: false };
    }
  }
  if (isAlias(node)) node = node.resolve(doc);
  return { line, node, exact: true };
};

const nodeLine = (node: unknown, lineAt: (offset: number) => number): number | undefined => {
  const range = (node as Node | null)?.range;
  return range ? lineAt(range[0]) : undefined;
};
