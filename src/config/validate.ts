/**
 * Validates data against a TypeBox schema with ajv (every error, not just the first) and
 * turns ajv's errors into messages a person can act on: unknown keys get a did-you-mean,
 * durations and sizes the engine's suggestion, missing fields an example.
 *
 * Unions are where JSON Schema errors get noisy (every branch fails in its own way), so
 * their branch errors are dropped and the value is checked again against the one branch
 * it was meant for: the one its `type` names, or the one of its JSON type.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { toMillis } from '../engine/time/duration.js';
import { type ConfigPath, formatPath, pointerToPath, show, suggestion, typeName } from './issues.js';
import type { TSchema } from './schema.js';
import { isDuration, isSize, toBytes, unitMessage } from './units.js';

export interface SchemaProblem {
  readonly path: ConfigPath;
  readonly message: string;
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
// x-hint adds to a message (of a wrong choice, type or bound); x-default is a default in words
// (`the sink name`) for the docs.
ajv.addVocabulary(['x-hint', 'x-default']);
ajv.addFormat('duration', { type: 'string', validate: isDuration });
ajv.addFormat('size', { type: 'string', validate: isSize });

const compiled = new WeakMap<object, ValidateFunction>();
const validatorOf = (schema: AnySchemaObject): ValidateFunction => {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  return validate;
};

/** Every problem of `data` against `schema`, each with its path and a message with the fix. */
export const checkSchema = (schema: TSchema, data: unknown, at: ConfigPath = []): SchemaProblem[] => {
  const validate = validatorOf(schema as AnySchemaObject);
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  const within = (e: ErrorObject, union: ErrorObject) =>
    e !== union &&
    e.schemaPath.startsWith(`${union.schemaPath}/`) &&
    (e.instancePath === union.instancePath || e.instancePath.startsWith(`${union.instancePath}/`));
  const problems: SchemaProblem[] = [];
  for (const error of errors) {
    if (unions.some((union) => within(error, union))) continue;
    const path = [...at, ...pointerToPath(error.instancePath)];
    if (error.keyword === 'anyOf') problems.push(...checkUnion(error.parentSchema!, error.data, path));
    else problems.push(...translate(error, path));
  }
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${formatPath(p.path)}\n${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
};

const checkUnion = (union: AnySchemaObject, data: unknown, path: ConfigPath): SchemaProblem[] => {
  const branches = union.anyOf as AnySchemaObject[];
  const tags = branches.map((b) => b.properties?.type?.const as unknown) as string[];
  if (tags.every((t) => typeof t === 'string')) {
    const noun = union.title ? `${union.title} type` : 'type';
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return [{ path, message: `must be an object with a type (${tags.join(', ')}), got ${show(data)}` }];
    }
    const tag = (data as { type?: unknown }).type;
    if (tag === undefined) {
      return [{ path, message: `missing required field "type"; use one of: ${tags.join(', ')}` }];
    }
    const branch = branches[tags.indexOf(tag as string)];
    if (!branch) {
      const choices = suggestion(String(tag), tags);
      return [{ path: [...path, 'type'], message: `${show(tag)} is not a ${noun}${choices}` }];
    }
    return checkSchema(branch, data, path);
  }
  const kind = jsonType(data);
  const matching = branches.filter((b) => typesOf(b).includes(kind));
  if (matching.length === 0) {
    const expected = [...new Set(branches.flatMap(typesOf))].map(article).join(' or ');
    return [{ path, message: `must be ${expected}, got ${show(data)}` }];
  }
  const candidates = matching.map((b) => checkSchema(b, data, path));
  return candidates.reduce((best, c) => (c.length < best.length ? c : best));
};

const jsonType = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

/** The JSON types a schema accepts (`integer` counts as a number). */
const typesOf = (schema: AnySchemaObject): string[] => {
  const declared: string[] = Array.isArray(schema.type)
    ? schema.type
    : schema.type
      ? [schema.type]
      : (schema.enum ?? []).map(jsonType);
  return declared.includes('number') ? [...declared, 'integer'] : declared;
};

const article = (type: string): string =>
  ({
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    object: 'an object',
    array: 'a list',
    boolean: 'true or false',
    null: 'null',
  })[type] ?? type;

const translate = (error: ErrorObject, path: ConfigPath): SchemaProblem[] => {
  const schema = error.parentSchema ?? {};
  const params = error.params as Record<string, any>;
  const hint = schema['x-hint'] ? ` (${schema['x-hint']})` : '';
  const one = (message: string, at: ConfigPath = path): SchemaProblem[] => [{ path: at, message }];
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(schema.properties ?? {});
      return one(`unknown key "${key}"${suggestion(key, known)}`, [...path, key]);
    }
    case 'required': {
      const field = String(params.missingProperty);
      return one(`missing required field "${field}"${example(schema.properties?.[field])}`);
    }
    case 'type': {
      if (schema.format === 'duration') {
        return one(
          `${show(error.data)} is not a duration; use a string like "10s" or a number of milliseconds`,
        );
      }
      if (schema.format === 'size') {
        return one(`${show(error.data)} is not a size; use a string like "16mb" or a number of bytes`);
      }
      const expected = [params.type].flat().join(',').split(',').map(article).join(' or ');
      return one(`must be ${expected}, got ${show(error.data)}${hint}`);
    }
    case 'format': {
      const field = formatPath(path);
      const value = error.data as string;
      const message =
        params.format === 'duration'
          ? unitMessage(() => toMillis(value, field), field)
          : params.format === 'size'
            ? unitMessage(() => toBytes(value, field), field)
            : undefined;
      return one(message ?? `${show(value)} is not a ${params.format}`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return one(`${show(error.data)} is not a valid value${suggestion(String(error.data), allowed)}${hint}`);
    }
    case 'const':
      return one(`must be ${show(params.allowedValue)}, got ${show(error.data)}`);
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const bound = {
        minimum: 'at least',
        exclusiveMinimum: 'above',
        maximum: 'at most',
        exclusiveMaximum: 'below',
      }[error.keyword];
      return one(`must be ${bound} ${params.limit}, got ${show(error.data)}${hint}`);
    }
    case 'minItems':
      return one(`must have at least ${params.limit} item${params.limit === 1 ? '' : 's'}${hint}`);
    case 'maxItems':
      return one(`must have at most ${params.limit} items, got ${(error.data as unknown[]).length}${hint}`);
    case 'minLength':
      return one(
        params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters long`,
      );
    case 'maxLength':
      return one(`must be at most ${params.limit} characters long, got ${(error.data as string).length}`);
    case 'pattern':
      return one(`${show(error.data)} does not match ${params.pattern}`);
    default:
      return one(`${error.message ?? 'is not valid'} (got ${typeName(error.data)})`);
  }
};

/** ` (e.g. "sensors/#")` or `; use one of: a, b` for a missing field. */
const example = (schema: AnySchemaObject | undefined): string => {
  if (!schema) return '';
  if (schema.enum) return `; use one of: ${schema.enum.join(', ')}`;
  if (schema.examples?.length) return `, e.g. ${show(schema.examples[0])}`;
  if (schema.description)
    return ` (${schema.description.charAt(0).toLowerCase()}${schema.description.slice(1)})`;
  return '';
};
