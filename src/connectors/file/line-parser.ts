import type { LinearRegex } from '../../regex/linear-regex.js';
import { ingestDeadLetter } from '../dead-letter.js';
import type { AppendRecord } from '../log/record-format.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Where a line came from: the file, its line number (from 1) and the byte offset of its start. */
export interface LineOrigin {
  readonly file: string;
  readonly line: number;
  readonly offset: number;
}

export type ParsedLine = { readonly event: AppendRecord } | { readonly deadLetter: AppendRecord } | undefined;

/** A line that cannot become an event, as a dead letter with its file, line and offset. */
export const lineDeadLetter = (
  source: string,
  error: string,
  input: Uint8Array,
  origin: LineOrigin,
): { readonly deadLetter: AppendRecord } => ({
  deadLetter: ingestDeadLetter(source, error, input, { ...origin }),
});

/**
 * Turns one line (without its newline) into an event or a dead letter; blank lines carry nothing
 * and give `undefined`. JSON lines are kept byte for byte; a regex line becomes an object of
 * its named groups (strings; groups that did not take part are left out).
 */
export const parseLine = (
  source: string,
  bytes: Uint8Array,
  origin: LineOrigin,
  pattern?: LinearRegex,
): ParsedLine => {
  let line: string;
  try {
    line = utf8.decode(bytes);
  } catch {
    return lineDeadLetter(source, 'line is not UTF-8 text', bytes, origin);
  }
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (line.trim() === '') return undefined;
  if (!pattern) {
    try {
      JSON.parse(line);
    } catch (error) {
      return lineDeadLetter(source, `line is not JSON: ${(error as Error).message}`, bytes, origin);
    }
    return { event: { value: Buffer.from(line) } };
  }
  const fields = pattern.groups(line);
  if (!fields) {
    return lineDeadLetter(source, `line does not match the pattern /${pattern.source}/`, bytes, origin);
  }
  return { event: { value: Buffer.from(JSON.stringify(fields)) } };
};
