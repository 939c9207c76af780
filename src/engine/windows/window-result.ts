import type { Key } from '../batch.js';

/** Whether windows follow the records' event time or the machine's clock. */
export type TimeDomain = 'event' | 'processing';

/** What a window emits: the key, the window bounds `[start, end)`, and one field per aggregation. */
export type WindowResult<K extends Key, R> = { key: K; start: number; end: number } & R;

export const windowResult = (key: Key, start: number, end: number, fields: Record<string, unknown>) => {
  const result: Record<string, unknown> = { key, start, end };
  for (const name in fields) result[name] = fields[name];
  return result;
};
