import { TributaryError } from '../../errors.js';

/**
 * A small, safe template language for notification texts and annotations — a subset of
 * Mustache/Handlebars with filters. Templates are compiled once (errors name the setting
 * and the position) and rendered over plain data: they read own properties only, call
 * nothing, and cannot loop except over the data they are given.
 *
 *   {{ labels.alertname }}            a value (missing → empty); numbers and text as is, objects as JSON
 *   {{ value | round 2 }}             filters: upper, lower, trim, round N, json, default "x",
 *                                     join ", ", length, time (ms → ISO-8601), truncate N
 *   {{#each alerts}}…{{/each}}        a loop; inside, the item's fields are in scope, `.` is the
 *                                     item and `@index` its position
 *   {{#if firing}}…{{else}}…{{/if}}   empty text, 0, false, null and empty lists are false
 *   {{#unless resolved}}…{{/unless}}
 *   {{! a comment }}
 */

type Expr =
  | { kind: 'path'; path: readonly string[] }
  | { kind: 'literal'; value: string | number }
  | { kind: 'self' }
  | { kind: 'index' };

interface Filter {
  readonly name: string;
  readonly arg?: string | number;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; expr: Expr; filters: readonly Filter[] }
  | { kind: 'each'; expr: Expr; body: Node[] }
  | { kind: 'if'; expr: Expr; negate: boolean; body: Node[]; otherwise: Node[] };

export interface RenderOptions {
  /** Applied to every substituted value (not to the template's own text): HTML, Slack, … */
  readonly escape?: (text: string) => string;
}

const FILTERS = ['upper', 'lower', 'trim', 'round', 'json', 'default', 'join', 'length', 'time', 'truncate'];
const MAX_OUTPUT = 1 << 20;

/** A compiled template. */
export class Template {
  private constructor(
    readonly source: string,
    private readonly nodes: readonly Node[],
  ) {}

  /** Compiles `source`; `field` names the setting in errors. */
  static compile(source: string, field = 'template'): Template {
    if (typeof source !== 'string') {
      throw new TributaryError('TRB_ALERT_INVALID', `${field}: a template must be text`);
    }
    return new Template(source, parse(source, field));
  }

  render(data: unknown, options: RenderOptions = {}): string {
    const out: string[] = [];
    const state = { length: 0, escape: options.escape ?? ((s: string) => s) };
    renderNodes(this.nodes, [{ item: data, index: 0 }], out, state);
    return out.join('');
  }
}

export const htmlEscape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const fail = (field: string, source: string, at: number, message: string): never => {
  const line = source.slice(0, at).split('\n').length;
  throw new TributaryError('TRB_ALERT_INVALID', `${field}: line ${line}: ${message}`);
};

const parse = (source: string, field: string): Node[] => {
  const root: Node[] = [];
  const stack: { node: Node & { kind: 'each' | 'if' }; into: Node[]; at: number }[] = [];
  let into = root;
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open < 0) {
      into.push({ kind: 'text', text: source.slice(pos) });
      break;
    }
    if (open > pos) into.push({ kind: 'text', text: source.slice(pos, open) });
    const close = source.indexOf('}}', open + 2);
    if (close < 0) fail(field, source, open, 'a "{{" is not closed by "}}"');
    const tag = source.slice(open + 2, close).trim();
    pos = close + 2;
    if (tag.startsWith('!')) continue;
    if (tag.startsWith('#')) {
      const [word, ...rest] = tag.slice(1).trim().split(/\s+/);
      if (word !== 'each' && word !== 'if' && word !== 'unless') {
        fail(field, source, open, `unknown block {{#${word}}}; use #each, #if or #unless`);
      }
      const expr = parseExpr(rest.join(' '), field, source, open);
      const node: Node & { kind: 'each' | 'if' } =
        word === 'each'
          ? { kind: 'each', expr, body: [] }
          : { kind: 'if', expr, negate: word === 'unless', body: [], otherwise: [] };
      into.push(node);
      stack.push({ node, into, at: open });
      into = node.body;
      continue;
    }
    if (tag === 'else') {
      const top = stack[stack.length - 1];
      if (top?.node.kind !== 'if' || into !== top.node.body) {
        fail(field, source, open, '{{else}} outside of an {{#if}}');
      }
      into = (top.node as { otherwise: Node[] }).otherwise;
      continue;
    }
    if (tag.startsWith('/')) {
      const word = tag.slice(1).trim();
      const top = stack.pop();
      if (!top) fail(field, source, open, `{{/${word}}} closes nothing`);
      const expected =
        top!.node.kind === 'each' ? 'each' : (top!.node as { negate: boolean }).negate ? 'unless' : 'if';
      if (word !== expected)
        fail(field, source, open, `{{/${word}}} closes {{#${expected}}}; write {{/${expected}}}`);
      into = top!.into;
      continue;
    }
    const [head, ...filterTexts] = splitFilters(tag);
    into.push({
      kind: 'value',
      expr: parseExpr(head, field, source, open),
      filters: filterTexts.map((f) => parseFilter(f, field, source, open)),
    });
  }
  if (stack.length > 0) {
    const top = stack[stack.length - 1];
    const word =
      top.node.kind === 'each' ? 'each' : (top.node as { negate: boolean }).negate ? 'unless' : 'if';
    fail(field, source, top.at, `{{#${word}}} is not closed; add {{/${word}}}`);
  }
  return root;
};

/** Splits on `|` outside of quotes. */
const splitFilters = (tag: string): string[] => {
  const parts: string[] = [];
  let current = '';
  let quote = false;
  for (const c of tag) {
    if (c === '"') quote = !quote;
    if (c === '|' && !quote) {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  parts.push(current.trim());
  return parts;
};

const PATH = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;

const parseExpr = (text: string, field: string, source: string, at: number): Expr => {
  const t = text.trim();
  if (t === '.' || t === 'this') return { kind: 'self' };
  if (t === '@index') return { kind: 'index' };
  const literal = parseLiteral(t);
  if (literal !== undefined) return { kind: 'literal', value: literal };
  if (!PATH.test(t))
    fail(field, source, at, `${JSON.stringify(t)} is not a field path (like labels.alertname)`);
  return { kind: 'path', path: t.split('.') };
};

const parseLiteral = (text: string): string | number | undefined => {
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return undefined;
    }
  }
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return undefined;
};

const parseFilter = (text: string, field: string, source: string, at: number): Filter => {
  const match = /^(\w+)\s*(.*)$/.exec(text);
  const name = match?.[1] ?? '';
  if (!FILTERS.includes(name)) {
    fail(field, source, at, `unknown filter ${JSON.stringify(text)}; use one of ${FILTERS.join(', ')}`);
  }
  const rawArg = match![2].trim();
  if (rawArg === '') return { name };
  const arg = parseLiteral(rawArg);
  if (arg === undefined) fail(field, source, at, `the argument of filter ${name} must be a number or "text"`);
  return { name, arg };
};

interface Scope {
  readonly item: unknown;
  readonly index: number;
}

const own = (value: unknown, name: string): unknown => {
  if (value === null || typeof value !== 'object') return undefined;
  if (!Object.hasOwn(value, name)) return undefined;
  const v = (value as Record<string, unknown>)[name];
  return typeof v === 'function' ? undefined : v;
};

const evaluate = (expr: Expr, scopes: readonly Scope[]): unknown => {
  const top = scopes[scopes.length - 1];
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'self':
      return top.item;
    case 'index':
      return top.index;
    case 'path': {
      const [first, ...rest] = expr.path;
      let value: unknown;
      for (let i = scopes.length - 1; i >= 0; i--) {
        const item = scopes[i].item;
        if (item !== null && typeof item === 'object' && Object.hasOwn(item, first)) {
          value = own(item, first);
          break;
        }
      }
      for (const name of rest) value = own(value, name);
      return value;
    }
  }
};

const truthy = (value: unknown): boolean =>
  Array.isArray(value)
    ? value.length > 0
    : value !== undefined && value !== null && value !== false && value !== 0 && value !== '';

const show = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
};

const applyFilter = (value: unknown, filter: Filter): unknown => {
  switch (filter.name) {
    case 'upper':
      return show(value).toUpperCase();
    case 'lower':
      return show(value).toLowerCase();
    case 'trim':
      return show(value).trim();
    case 'round': {
      const n = Number(value);
      if (value === undefined || value === null || value === '' || !Number.isFinite(n)) return value;
      const f = 10 ** Math.max(0, Math.min(12, Number(filter.arg ?? 0)));
      return Math.round(n * f) / f;
    }
    case 'json':
      return JSON.stringify(value ?? null);
    case 'default':
      return truthy(value) ? value : (filter.arg ?? '');
    case 'join':
      return Array.isArray(value) ? value.map(show).join(show(filter.arg ?? ', ')) : value;
    case 'length':
      return Array.isArray(value) ? value.length : typeof value === 'string' ? value.length : 0;
    case 'time':
      return typeof value === 'number' && Number.isFinite(value) ? new Date(value).toISOString() : value;
    case 'truncate': {
      const text = show(value);
      const n = Math.max(1, Number(filter.arg ?? 80));
      return text.length > n ? `${text.slice(0, n - 1)}…` : text;
    }
  }
  return value;
};

const renderNodes = (
  nodes: readonly Node[],
  scopes: Scope[],
  out: string[],
  state: { length: number; escape: (s: string) => string },
): void => {
  for (const node of nodes) {
    if (state.length > MAX_OUTPUT) return;
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        state.length += node.text.length;
        break;
      case 'value': {
        let value = evaluate(node.expr, scopes);
        for (const filter of node.filters) value = applyFilter(value, filter);
        const text = state.escape(show(value));
        out.push(text);
        state.length += text.length;
        break;
      }
      case 'each': {
        const list = evaluate(node.expr, scopes);
        if (!Array.isArray(list)) break;
        list.forEach((item, index) => {
          scopes.push({ item, index });
          renderNodes(node.body, scopes, out, state);
          scopes.pop();
        });
        break;
      }
      case 'if': {
        const holds = truthy(evaluate(node.expr, scopes)) !== node.negate;
        renderNodes(holds ? node.body : node.otherwise, scopes, out, state);
        break;
      }
    }
  }
};
