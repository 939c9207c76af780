/**
 * How record values are read and written: bytes in the log or on Kafka, values in the
 * engine. A source decodes with the format its configuration names; a sink encodes with
 * its own. Decoding reads straight from a batch's shared buffer, one value at a time.
 */
export interface Format {
  readonly name: FormatName;
  /** The value in `data[start, end)`; throws a TRB_BAD_RECORD error for bytes it cannot read. */
  decode(data: Buffer, start: number, end: number): unknown;
  /** The bytes of a value; throws a TRB_BAD_RECORD error for a value it cannot write. */
  encode(value: unknown): Uint8Array;
}

export const FORMAT_NAMES = ['json', 'string', 'bytes'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];
