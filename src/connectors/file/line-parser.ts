import type { RejectedInput } from '../ingestor.js';
import type { AppendRecord } from '../log/record-format.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Where a line came from: the file, its line number (from 1) and the byte offset of its start. */
export interface LineOrigin {
  readonly file: string;
  readonly line: number;
  readonly offset: number;
}

export type ParsedLine = { readonly event: AppendRecord } | { readonly reject: AppendRecord } | undefined;

export const rejectRecord = (
  source: string,
  error: string,
  input: Uint8Array,
  origin: LineOrigin,
  binary = false,
): AppendRecord => {
  const rejected: RejectedInput = {
    source,
    error,
    input: Buffer.from(input).toString(binary ? 'base64' : 'utf8'),
    encoding: binary ? 'base64' : 'utf8',
    origin: { ...origin },
  };
  return { value: Buffer.from(JSON.stringify(rejected)) };
};

/**
 * Turns one line (without its newline) into an event or a reject; blank lines carry nothing
 * and give `undefined`. JSON lines are kept byte for byte; a regex line becomes an object of
 * its named groups (strings; groups that did not take part are left out).
 */
export const parseLine = (
  source: string,
  bytes: Uint8Array,
  origin: LineOrigin,
  pattern?: RegExp,
): ParsedLine => {
  let line: string;
  try {
    line = utf8.decode(bytes);
  } catch {
    return { reject: rejectRecord(source, 'line is not UTF-8 text', bytes, origin, true) };
  }
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (line.trim() === '') return undefined;
  if (!pattern) {
    try {
      JSON.parse(line);
    } catch (error) {
      return { reject: rejectRecord(source, `line is not JSON: ${(error as Error).message}`, bytes, origin) };
    }
    return { event: { value: Buffer.from(line) } };
  }
  const match = pattern.exec(line);
  if (!match) {
    return {
      reject: rejectRecord(source, `line does not match the pattern ${String(pattern)}`, bytes, origin),
    };
  }
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(match.groups ?? {}))
    if (value !== undefined) fields[field] = value;
  return { event: { value: Buffer.from(JSON.stringify(fields)) } };
};
