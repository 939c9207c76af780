import type { EventGenerator, Random } from '../../connectors/generator/event-generator.js';

/** A demo generator: events of the seeds' examples, and a check a pipeline can validate with. */
export interface DemoGenerator<T = unknown> extends EventGenerator {
  /**
   * `true` for a well-formed event, else what is wrong with it — the shape the engine's
   * `validate` operator takes, so a demo pipeline dead-letters exactly the malformed ones.
   */
  validate(value: unknown): true | string;
  /** Only for the type: what `next` produces. */
  readonly sample?: T;
}

export interface DemoGeneratorOptions {
  /** Default `Math.random`; pass `seededRandom(n)` to replay a run. */
  readonly random?: Random;
}

/** The kinds of malformed event each generator makes, for the docs and the tests. */
export type MalformedKind = 'missing-field' | 'wrong-type' | 'not-an-object';

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks fields of an object; returns the first problem, or true. */
export const checkFields = (
  value: unknown,
  fields: Readonly<Record<string, (field: unknown) => boolean>>,
  what: string,
): true | string => {
  if (!isObject(value)) {
    return `${what}: not a JSON object but ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`;
  }
  for (const [field, ok] of Object.entries(fields)) {
    if (!(field in value)) return `${field}: missing; every ${what} has one`;
    if (!ok(value[field])) return `${field}: ${JSON.stringify(value[field])} has the wrong type`;
  }
  return true;
};

export const isString = (v: unknown): boolean => typeof v === 'string';
export const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
export const isNumberOrNull = (v: unknown): boolean => v === null || isNumber(v);
export const isBoolean = (v: unknown): boolean => typeof v === 'boolean';
