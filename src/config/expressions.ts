/**
 * The expression language of YAML pipelines: CEL (the Common Expression Language), through
 * `@marcbachmann/cel-js`, which parses an expression once into a tree and evaluates it per
 * record without `eval`: it cannot loop forever, call out, or reach anything but the values
 * it is given.
 *
 * A record's fields are top-level variables (`price > 10`), and the whole record is
 * `event` (`has(event.user)`, `event['user-id']`). CEL is strict about types, which is what
 * makes a wrong record fail loudly: a missing field or a string compared with a number
 * throws, and the engine dead-letters the record with the message.
 *
 * Two things are eased for records that come from JSON, whose numbers are all doubles in
 * CEL: integer literals mix with them in arithmetic (`temp_f - 32`), and integers that
 * expressions produce (`size(tags)`) come out as JavaScript numbers, not bigints.
 */
import { Environment } from '@marcbachmann/cel-js';
import { TributaryError } from '../errors.js';
import { costProblem } from './expression-cost.js';
import { registerLinearMatches, withLinearMatches } from './expression-regex.js';

/** What an expression is used for; it decides which result types it may have. */
export type ExpressionUse = 'bool' | 'value' | 'key' | 'time' | 'number';

export interface CompiledExpression<R = unknown> {
  /** The expression as written. */
  readonly text: string;
  /** Its static type as CEL infers it (`bool`, `double`, `dyn`, …). */
  readonly type: string;
  /** Top-level names it reads: record fields (and `event`). */
  readonly fields: readonly string[];
  /** Evaluates it for one record; throws `TRB_EXPRESSION_FAILED` when it fails. */
  readonly evaluate: (record: unknown) => R;
}

export interface ExpressionOptions {
  /** Default `'value'`. A `'bool'` expression must give `true` or `false`. */
  readonly use?: ExpressionUse;
  /** Names the expression in errors, e.g. `filter`. */
  readonly label?: string;
}

const environment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  limits: { maxAstNodes: 10_000, maxDepth: 100, maxListElements: 1_000, maxMapEntries: 1_000 },
});
for (const op of ['+', '-', '*', '/']) {
  const apply = {
    '+': (a: number, b: number) => a + b,
    '-': (a: number, b: number) => a - b,
    '*': (a: number, b: number) => a * b,
    '/': (a: number, b: number) => a / b,
  }[op]!;
  environment.registerOperator(`double ${op} int: double`, (a: number, b: bigint) => apply(a, Number(b)));
  environment.registerOperator(`int ${op} double: double`, (a: bigint, b: number) => apply(Number(a), b));
}
registerLinearMatches(environment);

/** Result types that can never fit a use (CEL type names). */
const UNFIT: Record<ExpressionUse, (type: string) => boolean> = {
  bool: (type) => type !== 'bool' && type !== 'dyn',
  value: () => false,
  key: (type) => !['dyn', 'string', 'int', 'uint', 'double', 'bool'].includes(type),
  time: (type) => !['dyn', 'int', 'uint', 'double', 'string', 'google.protobuf.Timestamp'].includes(type),
  number: (type) => !['dyn', 'int', 'uint', 'double'].includes(type),
};

const NEEDS: Record<ExpressionUse, string> = {
  bool: 'true or false',
  value: 'a value',
  key: 'a string, number or bool',
  time: 'a time (ms since the epoch, an ISO-8601 string or a timestamp)',
  number: 'a number',
};

interface CelError extends Error {
  readonly summary?: string;
  readonly range?: { start: number; end: number };
}

/**
 * Compiles an expression once; throws `TRB_EXPRESSION_INVALID` when it does not parse or
 * its type can never fit `use`.
 *
 * @example
 * const expensive = compileExpression('price * quantity > 100.0', { use: 'bool' });
 * expensive.evaluate({ price: 30, quantity: 4 }); // true
 */
export const compileExpression = <R = unknown>(
  text: string,
  options: ExpressionOptions = {},
): CompiledExpression<R> => {
  const use = options.use ?? 'value';
  const label = options.label ?? 'expression';
  let parsed: ReturnType<typeof environment.parse>;
  try {
    parsed = environment.parse(text);
  } catch (error) {
    throw invalid(text, celReason(error as CelError, text), error);
  }
  const checked = parsed.check();
  if (!checked.valid) throw invalid(text, celReason(checked.error as CelError, text), checked.error);
  const cost = costProblem(parsed.ast);
  if (cost) throw invalid(text, cost);
  const type = checked.type ?? 'dyn';
  if (UNFIT[use](type)) throw invalid(text, `gives ${typePhrase(type)}, but ${label} needs ${NEEDS[use]}`);

  const names = new Set<string>();
  collectNames(parsed.ast, names);
  const fields = [...names];
  const linear = withLinearMatches(text, parsed.ast);
  if ('refused' in linear) throw invalid(text, linear.refused);
  if (linear.text !== text) parsed = environment.parse(linear.text);
  const run = contextRunner(parsed, fields);
  const fail = (error: unknown, record?: unknown): never => {
    const reason = error instanceof TributaryError ? error.message : runtimeReason(error as CelError, record);
    throw new TributaryError('TRB_EXPRESSION_FAILED', `${label} ${JSON.stringify(text)}: ${reason}`, {
      cause: error,
    });
  };
  const evaluate =
    use === 'bool'
      ? (record: unknown) => {
          let result: unknown;
          try {
            result = run(record);
          } catch (error) {
            return fail(error, record);
          }
          if (result === true || result === false) return result as R;
          return fail(
            new TributaryError('TRB_EXPRESSION_FAILED', `gave ${shown(result)}, not true or false`),
          );
        }
      : (record: unknown) => {
          try {
            return plain(run(record)) as R;
          } catch (error) {
            return fail(error, record);
          }
        };
  return { text, type, fields, evaluate };
};

const invalid = (text: string, reason: string, cause?: unknown) =>
  new TributaryError('TRB_EXPRESSION_INVALID', `${JSON.stringify(text)} ${reason}`, { cause });

/**
 * The evaluation function for records. Records pass as they are when the expression does
 * not read `event` (no copy per record); otherwise one context object is reused, its
 * fields refreshed per record, which evaluation never holds on to.
 */
const contextRunner = (
  parsed: (context?: object) => unknown,
  fields: string[],
): ((record: unknown) => unknown) => {
  const inherited = fields.filter((f) => f in Object.prototype);
  const readsEvent = fields.includes('event');
  if (!readsEvent && inherited.length === 0) {
    return (record) => parsed(typeof record === 'object' && record !== null ? record : {});
  }
  const names = fields.filter((f) => f !== 'event');
  const context: Record<string, unknown> = Object.create(null);
  for (const name of names) context[name] = undefined;
  context.event = undefined;
  return (record) => {
    const object =
      typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : undefined;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      context[name] = object && Object.hasOwn(object, name) ? object[name] : undefined;
    }
    context.event = record;
    try {
      return parsed(context);
    } finally {
      context.event = undefined;
    }
  };
};

/** Every identifier in the tree: over-approximates the fields read (comprehension variables too). */
const collectNames = (node: unknown, names: Set<string>): void => {
  if (Array.isArray(node)) {
    for (const child of node) collectNames(child, names);
  } else if (typeof node === 'object' && node !== null && 'op' in node) {
    const { op, args } = node as { op: string; args: unknown };
    if (op === 'id') names.add(args as string);
    else if (op !== 'value') collectNames(args, names);
  }
};

/** Results as JavaScript values: bigints (CEL ints) become numbers; nothing else is copied. */
const plain = (value: unknown): unknown => {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = plain(value[i]);
      if (item !== value[i]) (out ??= value.slice())[i] = item;
    }
    return out ?? value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const converted = plain(item);
    if (converted !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = converted;
  }
  return out ?? value;
};

const typePhrase = (type: string): string =>
  ({ string: 'a string', int: 'an int', double: 'a double', bool: 'a bool', null_type: 'null' })[type] ??
  (type.startsWith('map') ? 'a map' : type.startsWith('list') ? 'a list' : `a ${type}`);

/** A parse or type error: its summary, and where in the expression (when it has more than one token). */
const celReason = (error: CelError, text: string): string => {
  const summary = error.summary ?? error.message.split('\n')[0] ?? '';
  const at = error.range && text.length > 1 ? ` at column ${error.range.start + 1}` : '';
  return `is not a valid expression: ${lowerFirst(summary)}${at}`;
};

const runtimeReason = (error: CelError, record: unknown): string => {
  const summary = error.summary ?? error.message?.split('\n')[0] ?? String(error);
  const unknown = /^Unknown variable: (.+)$/.exec(summary);
  // A record that is no object has no fields at all: say what it is, not that one is missing.
  if (unknown && (typeof record !== 'object' || record === null || Array.isArray(record)))
    return `the record is ${record === null ? 'null' : Array.isArray(record) ? 'a list' : `a ${typeof record}`}, not an object with fields (it has no "${unknown[1]}")`;
  if (unknown) return `the record has no field "${unknown[1]}" (test for it with has(event.${unknown[1]}))`;
  const noKey = /^No such key: (.+)$/.exec(summary);
  if (noKey) return `no field "${noKey[1]}"`;
  return lowerFirst(summary.replace(/dyn<([^>]+)>/g, '$1'));
};

const lowerFirst = (text: string): string =>
  /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;

const shown = (value: unknown): string => {
  if (typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};
