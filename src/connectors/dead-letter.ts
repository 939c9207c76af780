import type { Key, Position } from '../engine/batch.js';
import { describeError, type ErrorInfo, TributaryError } from '../errors.js';
import type { AppendRecord } from './log/record-format.js';

/** The topic every dead letter goes to, as JSON. */
export const DEAD_LETTER_TOPIC = 'dead-letters';

/** Where a dead letter was refused. */
export type DeadLetterStage = 'ingest' | 'decode' | 'process' | 'sink';

/**
 * The one shape of a dead letter, whatever could not be handled: input an ingestor could not
 * turn into an event, a record a source could not decode, a record an operator or a sink
 * refused. Each is written as JSON to the dead-letter topic, kept for inspection, counted,
 * and the platform goes on.
 */
export interface DeadLetterRecord {
  /** When it was refused, ms since the epoch. */
  readonly at: number;
  readonly stage: DeadLetterStage;
  /** The configured source it came from (ingest, decode). */
  readonly source?: string;
  readonly pipeline?: string;
  /** The operator or sink that refused it. */
  readonly operator?: string;
  readonly error: ErrorInfo;
  /** The record's value as far as it was understood (process, sink). */
  readonly value?: unknown;
  /** The raw input when it could not be decoded: text, or base64 for bytes that are not UTF-8. */
  readonly input?: string;
  readonly encoding?: 'utf8' | 'base64';
  readonly timestamp?: number;
  readonly key?: Key;
  /** Where the record is in its topic (topic, partition, offset). */
  readonly position?: Position;
  /** Where raw input came from before it had a position: file and line, MQTT topic, … */
  readonly origin?: Readonly<Record<string, string | number>>;
}

/** The raw input as text when it is UTF-8, base64 otherwise: nothing is lost either way. */
export const rawInput = (bytes: Uint8Array): { input: string; encoding: 'utf8' | 'base64' } => {
  try {
    return { input: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf8' };
  } catch {
    return { input: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
  }
};

/**
 * Input an ingestor could not turn into an event (not JSON, not UTF-8, no match for the
 * pattern), as the record it appends to the dead-letter topic: the input as received, why
 * (`TRB_BAD_RECORD`), and where it came from before it had a position in the log.
 */
export const ingestDeadLetter = (
  source: string,
  reason: string,
  input: Uint8Array,
  origin: Readonly<Record<string, string | number>>,
  at = Date.now(),
): AppendRecord => {
  const letter: DeadLetterRecord = {
    at,
    stage: 'ingest',
    source,
    error: describeError(new TributaryError('TRB_BAD_RECORD', reason)),
    ...rawInput(input),
    origin,
  };
  return { value: Buffer.from(JSON.stringify(letter)), timestamp: at };
};
