import type { Key } from '../../engine/batch.js';

/** The field types of InfluxDB: a field keeps one of them per shard, and a point of another is refused. */
export type FieldType = 'float' | 'integer' | 'string' | 'boolean';

/** How results become points: plain data, it crosses to worker threads. */
export interface PointShape {
  readonly measurement: string;
  /** Result fields written as tags. */
  readonly tags: readonly string[];
  /** Fields written as integers (`42i`); every other number is a float. */
  readonly integerFields: readonly string[];
}

/** One field of a point: its name, its type, and its value as line protocol. */
export type PointField = readonly [name: string, type: FieldType, text: string];

/** A result as one line of line protocol, or why it cannot be one. */
export type Encoded = { readonly line: string } | { readonly problem: string };

// Line protocol escapes with a backslash: measurements end at a comma or space, tag and field
// keys and tag values also at an equals sign. A line break would end the line itself, and
// could start a point of its own: no escape exists for it outside a quoted string.
const escapeMeasurement = (text: string): string => text.replace(/[, ]/g, '\\$&');
const escapeKey = (text: string): string => text.replace(/[,= ]/g, '\\$&');
const quote = (text: string): string => `"${text.replace(/["\\]/g, '\\$&')}"`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A window result (`{ key, start, end, ...}`): its end is the point's time, and its bounds are no fields. */
const isWindowResult = (value: unknown): value is { start: number; end: number } =>
  isRecord(value) && typeof value.start === 'number' && typeof value.end === 'number';

/**
 * The fields of a result: its numbers, booleans and strings that are not tags (a result
 * that is itself one of them: the field `value`). Numbers are floats unless the shape
 * names them integers — a number that happens to be whole is still a float, so a field's
 * type never depends on the data (InfluxDB refuses a point whose field changes type).
 * Null, a non-finite number, an object or a list has no field type and is left out.
 */
export const pointFields = (value: unknown, shape: PointShape): PointField[] | string => {
  const entries: [string, unknown][] = isRecord(value) ? Object.entries(value) : [['value', value]];
  const window = isWindowResult(value);
  const fields: PointField[] = [];
  for (const [name, v] of entries) {
    if (name === '' || shape.tags.includes(name) || (window && (name === 'start' || name === 'end')))
      continue;
    if (typeof v === 'boolean') fields.push([name, 'boolean', String(v)]);
    else if (typeof v === 'string') fields.push([name, 'string', quote(v)]);
    else if (typeof v === 'number' && Number.isFinite(v)) {
      if (!shape.integerFields.includes(name)) fields.push([name, 'float', String(v)]);
      else if (Number.isSafeInteger(v)) fields.push([name, 'integer', `${v}i`]);
      else
        return `field "${name}" is listed in integer_fields but is ${v}; round it in a map step, or remove it from integer_fields`;
    }
  }
  return fields;
};

/** The tags of a result, sorted by key as InfluxDB keeps them; the pipeline's key stands in for a `key` field it lacks. */
const pointTags = (value: unknown, key: Key | undefined, shape: PointShape): [string, string][] => {
  const tags: [string, string][] = [];
  for (const name of shape.tags) {
    const v = isRecord(value) && name in value ? value[name] : name === 'key' ? key : undefined;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
    const text = String(v);
    // InfluxDB has no empty tag value: a tag without one is no tag.
    if (text !== '') tags.push([name, text]);
  }
  return tags.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};

/**
 * The times InfluxDB can store, in ms: nanoseconds in an int64. Past them InfluxDB 1.6 does
 * not always refuse the line — 1e16 ms overflows unseen and the point is silently lost —
 * so such a result is refused before it is sent.
 */
const MAX_TIME_MS = 9_223_372_036_854;

/** The point's time in ms: a window result's end, any other result's event time. */
export const pointTime = (value: unknown, timestamp: number): number =>
  Math.round(isWindowResult(value) ? value.end : timestamp);

/**
 * A result as a line of line protocol with millisecond precision:
 * `measurement,tag=value field=1.5,other="text",count=3i 1767268800000`.
 *
 * @example
 * encodePoint({ key: 'u1', start: 0, end: 60_000, clicks: 3 }, 59_999, 'u1',
 *   { measurement: 'clicks', tags: ['key'], integerFields: [] });
 * // { line: 'clicks,key=u1 clicks=3 60000' }
 */
export const encodePoint = (
  value: unknown,
  timestamp: number,
  key: Key | undefined,
  shape: PointShape,
): Encoded => {
  const fields = pointFields(value, shape);
  if (typeof fields === 'string') return { problem: fields };
  if (fields.length === 0)
    return {
      problem:
        'has no number, boolean or string field to write, and InfluxDB keeps no point without one; map the result to hold one',
    };
  const tags = pointTags(value, key, shape);
  const names = [...tags.flat(), ...fields.map(([name]) => name)];
  const broken = names.find((name) => name.includes('\n'));
  if (broken !== undefined)
    return {
      problem: `tag or field ${JSON.stringify(broken)} holds a line break, which line protocol cannot carry`,
    };
  const time = pointTime(value, timestamp);
  if (!(Math.abs(time) <= MAX_TIME_MS))
    return { problem: `has the time ${time} ms, outside what InfluxDB stores (1677-09-21 to 2262-04-11)` };
  let line = escapeMeasurement(shape.measurement);
  for (const [name, text] of tags) line += `,${escapeKey(name)}=${escapeKey(text)}`;
  line += ` ${fields.map(([name, , text]) => `${escapeKey(name)}=${text}`).join(',')}`;
  return { line: `${line} ${time}` };
};
