/**
 * Avro values in the Confluent wire format, with their schemas in a schema registry.
 *
 * The Format contract is synchronous — one call decodes one value on the hot path — and a
 * value names its schema by an id that may have to be fetched. So a reader calls
 * `prepare(batch)` before decoding a batch: it fetches, once per id for the life of the
 * format, every schema the batch names; the decodes then never wait. A writer gets its
 * schema's id once, at `prepare()` (the `writer` option) or from `encoderFor`.
 *
 * @example
 * const format = avro({ registry: { url: 'http://127.0.0.1:8081' } });
 * await format.prepare(batch); // { count, data, valueStarts, valueEnds }, or an iterable of values
 * const first = format.decode(Buffer.from(batch.data), batch.valueStarts[0], batch.valueEnds[0]);
 */
import type avsc from 'avsc';
import { TributaryError } from '../../errors.js';
import type { BatchValues, Format } from '../format.js';
import { type RegisteredSchema, SchemaRegistry, type SchemaRegistryOptions } from '../registry/index.js';
import { AvroEncoder } from './avro-encoder.js';
import { avroType } from './avro-types.js';
import { BlockTooLong } from './bounded-blocks.js';
import { HEADER_BYTES, peekSchemaId, schemaIdOf } from './wire-format.js';

export interface AvroWriterOptions {
  /** The subject the schema is registered under: `<topic>-value` by Confluent's default naming. */
  readonly subject: string;
  /** The Avro schema, as JSON text or parsed. */
  readonly schema: string | object;
  /** Register the schema when the subject lacks it (Confluent's default), or only look it up. Default true. */
  readonly autoRegister?: boolean;
}

export interface AvroOptions {
  /** A client to share between formats (one cache), or the options of one of its own. */
  readonly registry: SchemaRegistry | SchemaRegistryOptions;
  /** What `encode` writes. A format without it only reads, or writes through `encoderFor`. */
  readonly writer?: AvroWriterOptions;
}

/** Fetches of different schema ids at once, so that a batch of many new ids does not queue them one by one. */
const PARALLEL_FETCHES = 8;
/** Ids refused (not in the registry, not Avro) kept for decode's message; past this they are forgotten. */
const MAX_REFUSED_IDS = 10_000;

/** Parsed once per registered schema, whichever format asks: the registry client keeps the schemas. */
const parsedTypes = new WeakMap<RegisteredSchema, avsc.Type>();

export class AvroFormat implements Format {
  readonly name = 'avro';
  readonly registry: SchemaRegistry;
  readonly #writerOptions: AvroWriterOptions | undefined;
  #writer: AvroEncoder | undefined;
  readonly #types = new Map<number, avsc.Type>();
  readonly #refused = new Map<number, TributaryError>();
  readonly #encoders = new Map<string, Promise<AvroEncoder>>();

  constructor(options: AvroOptions) {
    this.registry =
      options.registry instanceof SchemaRegistry ? options.registry : new SchemaRegistry(options.registry);
    this.#writerOptions = options.writer;
  }

  /**
   * Does the waiting that `decode` and `encode` cannot: fetches the schema of every id
   * the values name that this format has not seen, and the writer's id. An id the
   * registry does not have makes only its records fail to decode (TRB_BAD_RECORD); an
   * unreachable registry rejects the whole call (TRB_SCHEMA_REGISTRY_UNAVAILABLE): retry it.
   */
  async prepare(values?: Iterable<Uint8Array> | BatchValues): Promise<void> {
    const unknown = values === undefined ? [] : [...this.#unknownIds(values)];
    const next = { index: 0 };
    const fetchSome = async () => {
      while (next.index < unknown.length) await this.#resolve(unknown[next.index++]);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_FETCHES, unknown.length) }, fetchSome));
    if (this.#writerOptions && !this.#writer) {
      const { subject, schema, autoRegister } = this.#writerOptions;
      this.#writer = await this.encoderFor(subject, schema, { autoRegister });
    }
  }

  /** The record in `data[start, end)`: a plain object (or the value of a non-record schema). */
  decode(data: Buffer, start: number, end: number): unknown {
    const id = schemaIdOf(data, start, end);
    const type = this.#types.get(id);
    if (type === undefined) {
      throw (
        this.#refused.get(id) ??
        new TributaryError(
          'TRB_BAD_RECORD',
          `decode: schema id ${id} has not been fetched from ${this.registry.url}: prepare() must see a value before decode() reads it`,
        )
      );
    }
    const body = data.subarray(start + HEADER_BYTES, end);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = type.decode(body, 0);
    } catch (error) {
      // avsc counts from the start of the body; a reader of the message counts from the value's first byte.
      const what =
        error instanceof BlockTooLong
          ? `a block of ${error.count} items at byte ${error.offset + HEADER_BYTES} of the value, more than the ${error.room} that the bytes left can hold`
          : (error as Error).message;
      throw new TributaryError(
        'TRB_BAD_RECORD',
        `decode: the value does not match schema id ${id}: ${what}`,
        {
          cause: error,
        },
      );
    }
    if (decoded.offset < 0) {
      throw new TributaryError(
        'TRB_BAD_RECORD',
        `decode: the value ends early: its ${end - start} bytes are too few for a record of schema id ${id} (truncated, or written with another schema)`,
      );
    }
    if (decoded.offset < body.length) {
      throw new TributaryError(
        'TRB_BAD_RECORD',
        `decode: bytes ${decoded.offset + HEADER_BYTES} to ${end - start - 1} of the value are left over after a whole record of schema id ${id}: the bytes do not match the schema`,
      );
    }
    return decoded.value;
  }

  /** Writes with the `writer` option's schema, whose id `prepare()` got. */
  encode(value: unknown): Uint8Array {
    if (this.#writer) return this.#writer.encode(value);
    if (this.#writerOptions === undefined) {
      throw new TributaryError(
        'TRB_FORMAT_BAD_CONFIG',
        'encode: this avro format has no writer schema: give it writer: { subject, schema }, or encode with encoderFor(subject, schema)',
      );
    }
    throw new TributaryError(
      'TRB_INTERNAL',
      `encode: the writer schema of subject '${this.#writerOptions.subject}' has no id yet: prepare() must resolve before encode()`,
    );
  }

  /**
   * An encoder for one schema under one subject: registers the schema (or, with
   * autoRegister false, looks it up) once, then encodes synchronously. The schema is
   * checked here, before the registry is asked: TRB_FORMAT_BAD_CONFIG when it is not Avro.
   */
  encoderFor(
    subject: string,
    schema: string | object,
    options: { readonly autoRegister?: boolean } = {},
  ): Promise<AvroEncoder> {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    const autoRegister = options.autoRegister ?? true;
    const key = `${subject}\u0000${autoRegister}\u0000${text}`;
    let encoder = this.#encoders.get(key);
    if (encoder === undefined) {
      encoder = this.#makeEncoder(subject, text, autoRegister);
      this.#encoders.set(key, encoder);
      // A failure is not kept: the schema may be registered, or the registry back, on the next call.
      encoder.catch(() => this.#encoders.delete(key));
    }
    return encoder;
  }

  async #makeEncoder(subject: string, text: string, autoRegister: boolean): Promise<AvroEncoder> {
    let type: avsc.Type;
    try {
      type = avroType(text);
    } catch (error) {
      throw new TributaryError(
        'TRB_FORMAT_BAD_CONFIG',
        `the writer schema of subject '${subject}' is not a valid Avro schema: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const id = autoRegister
      ? await this.registry.register(subject, text)
      : await this.registry.lookup(subject, text);
    if (id === undefined) {
      throw new TributaryError(
        'TRB_SCHEMA_REGISTRY_REFUSED',
        `the writer schema is not registered under subject '${subject}' at ${this.registry.url}, and autoRegister is false: register it, or set autoRegister`,
      );
    }
    // What this format writes, it reads without asking the registry.
    this.#types.set(id, type);
    return new AvroEncoder(subject, id, type);
  }

  /** Ids in the values that have no type yet; a value not in the wire format is left to decode's refusal. */
  *#unknownIds(values: Iterable<Uint8Array> | BatchValues): Generator<number> {
    const seen = new Set<number>();
    const consider = (id: number | undefined) => id !== undefined && !this.#types.has(id) && !seen.has(id);
    if (Symbol.iterator in values) {
      for (const value of values) {
        const id = peekSchemaId(value, 0, value.length);
        if (consider(id)) seen.add(id as number);
      }
    } else {
      const { count, data, valueStarts, valueEnds } = values;
      for (let i = 0; i < count; i++) {
        const id = peekSchemaId(data, valueStarts[i], valueEnds[i]);
        if (consider(id)) seen.add(id as number);
      }
    }
    yield* seen;
  }

  async #resolve(id: number): Promise<void> {
    try {
      this.#types.set(id, typeOf(await this.registry.schemaById(id)));
      this.#refused.delete(id);
    } catch (error) {
      // A missing or unreadable schema fails its records only; anything else fails the batch.
      if (!(error instanceof TributaryError) || error.code !== 'TRB_BAD_RECORD') throw error;
      if (this.#refused.size >= MAX_REFUSED_IDS) this.#refused.clear();
      this.#refused.set(
        id,
        new TributaryError('TRB_BAD_RECORD', `decode: ${error.message}`, { cause: error }),
      );
    }
  }
}

/** The avsc type of a registered schema; a schema it cannot be is a bad record, named by its id. */
const typeOf = (registered: RegisteredSchema): avsc.Type => {
  const known = parsedTypes.get(registered);
  if (known) return known;
  const { id, schemaType, references } = registered;
  if (schemaType !== 'AVRO') {
    throw new TributaryError('TRB_BAD_RECORD', `schema id ${id} is a ${schemaType} schema, not Avro`);
  }
  if (references.length > 0) {
    const names = references.map(
      (reference) => `${reference.name} (${reference.subject} v${reference.version})`,
    );
    throw new TributaryError(
      'TRB_BAD_RECORD',
      `schema id ${id} refers to other schemas (${names.join(', ')}), which the avro format does not read yet`,
    );
  }
  let type: avsc.Type;
  try {
    type = avroType(registered.schema);
  } catch (error) {
    throw new TributaryError(
      'TRB_BAD_RECORD',
      `schema id ${id} is not an Avro schema avsc can read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  parsedTypes.set(registered, type);
  return type;
};

/** An Avro format over a schema registry: see AvroFormat. */
export const avro = (options: AvroOptions): AvroFormat => new AvroFormat(options);
