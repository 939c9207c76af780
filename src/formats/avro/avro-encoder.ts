import type avsc from 'avsc';
import { TributaryError } from '../../errors.js';
import { HEADER_BYTES, writeHeader } from './wire-format.js';

/** What one encode starts with; values that need more grow it, up to the size kept between calls. */
const INITIAL_SCRATCH_BYTES = 4096;
const KEPT_SCRATCH_BYTES = 1024 * 1024;

/**
 * Writes values of one schema, registered under a subject, in the Confluent wire format:
 * synchronous, for a sink's hot path, once `AvroFormat.encoderFor` has the schema's id.
 */
export class AvroEncoder {
  #scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);

  constructor(
    readonly subject: string,
    readonly schemaId: number,
    readonly type: avsc.Type,
  ) {}

  /** The value's bytes: a Buffer of its own. A value that does not fit the schema is a TRB_BAD_RECORD naming the field. */
  encode(value: unknown): Buffer {
    let end = this.#write(this.#scratch, value);
    if (end < 0) {
      // avsc gives the bytes it lacked: one more pass in a buffer that has them.
      const bigger = Buffer.allocUnsafe(this.#scratch.length - end);
      end = this.#write(bigger, value);
      if (bigger.length <= KEPT_SCRATCH_BYTES) this.#scratch = bigger;
      return Buffer.from(bigger.subarray(0, end));
    }
    return Buffer.from(this.#scratch.subarray(0, end));
  }

  #write(into: Buffer, value: unknown): number {
    writeHeader(into, this.schemaId);
    try {
      return this.type.encode(value, into, HEADER_BYTES);
    } catch (error) {
      throw new TributaryError(
        'TRB_BAD_RECORD',
        `encode: the value does not fit the schema of subject '${this.subject}' (id ${this.schemaId}): ${whatDoesNotFit(this.type, value)}`,
        { cause: error },
      );
    }
  }
}

/** The first field that avsc finds wrong, by its path: `items[2].price: "x" is not a double`. */
const whatDoesNotFit = (type: avsc.Type, value: unknown): string => {
  let found = '';
  type.isValid(value, {
    errorHook: (path: string[], wrong: unknown, wrongType: avsc.Type) => {
      if (found) return;
      const where = path.length === 0 ? 'the value' : path.join('.');
      found = `${where}: ${describe(wrong)} is not ${schemaName(wrongType)}`;
    },
  });
  return found || 'a value avsc could not write';
};

const describe = (value: unknown): string => {
  if (value === undefined) return 'undefined (missing)';
  if (typeof value === 'bigint') return `${value}n`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

const schemaName = (type: avsc.Type): string => {
  const name = type.typeName === 'abstract:long' ? 'long' : type.typeName;
  const shown = type.name ?? name;
  return `a${/^[aeiou]/i.test(shown) ? 'n' : ''} ${shown}`;
};
