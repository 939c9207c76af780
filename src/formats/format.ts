/**
 * How record values are read and written: bytes in the log or on Kafka, values in the
 * engine. A source decodes with the format its configuration names; a sink encodes with
 * its own. Decoding reads straight from a batch's shared buffer, one value at a time.
 */
export interface Format {
  readonly name: FormatName;
  /**
   * The waiting that the synchronous `decode` and `encode` cannot do (schemas fetched from
   * a registry): a reader awaits it with each batch before decoding it, a writer once
   * before its first `encode`. Formats that need nothing leave it out.
   */
  prepare?(values?: BatchValues): Promise<void>;
  /** The value in `data[start, end)`; throws a TRB_BAD_RECORD error for bytes it cannot read. */
  decode(data: Buffer, start: number, end: number): unknown;
  /** The bytes of a value; throws a TRB_BAD_RECORD error for a value it cannot write. */
  encode(value: unknown): Uint8Array;
}

/** The values of a batch as a source's RecordBatch holds them: one buffer, each value's start and end. */
export interface BatchValues {
  readonly count: number;
  readonly data: Uint8Array;
  readonly valueStarts: ArrayLike<number>;
  readonly valueEnds: ArrayLike<number>;
}

/** Formats that need nothing but the bytes: the embedded log's. */
export const PLAIN_FORMAT_NAMES = ['json', 'string', 'bytes'] as const;
/** Every format; `avro` reads and writes through a schema registry. */
export const FORMAT_NAMES = [...PLAIN_FORMAT_NAMES, 'avro'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];
