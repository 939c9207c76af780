/**
 * A client of a Confluent-compatible schema registry's REST API (Confluent's own,
 * Apicurio's `/apis/ccompat/v7`, Redpanda's, Karapace): schemas by id for readers,
 * registration and look-up under a subject for writers. Every answer is cached — an id
 * names one schema forever — and concurrent requests for the same thing share one.
 *
 * @example
 * const registry = new SchemaRegistry({ url: 'http://127.0.0.1:8081' });
 * const id = await registry.register('orders-value', orderSchema);
 * const { schema } = await registry.schemaById(id);
 */
import { TributaryError } from '../../errors.js';
import {
  type ResolvedRegistryOptions,
  resolveRegistryOptions,
  type SchemaRegistryOptions,
} from './options.js';
import { type RegistryRefusal, refused, registryRequest } from './requests.js';
import { SharedLookups } from './shared-lookups.js';

export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

/** Another subject's schema that a schema names (Confluent's schema references). */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

export interface RegisteredSchema {
  readonly id: number;
  /** The registry leaves it out for Avro, its first and default type. */
  readonly schemaType: SchemaType;
  /** The schema's text as registered (JSON for Avro). */
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

/** A schema id is a positive int32 on the wire; anything else cannot be in a registry. */
const MAX_SCHEMA_ID = 2 ** 31 - 1;

/**
 * A schema id the registry does not have stays missing for a minute before it is asked
 * again: a batch full of records that name it asks once, and a schema registered late
 * (a registry that another one replicates into) is still found.
 */
const MISSING_SCHEMA_MS = 60_000;

/** Marks a look-up that found nothing; not cached, so a schema registered later is found. */
class NotRegistered extends Error {}

export class SchemaRegistry {
  /** The base URL of the API, as requests use it. */
  readonly url: string;
  readonly #options: ResolvedRegistryOptions;
  readonly #schemas = new SharedLookups<number, RegisteredSchema>((error) =>
    error instanceof TributaryError && error.code === 'TRB_BAD_RECORD' ? MISSING_SCHEMA_MS : 0,
  );
  readonly #registered = new SharedLookups<string, number>(() => 0);
  readonly #lookedUp = new SharedLookups<string, number>(() => 0);

  constructor(options: SchemaRegistryOptions) {
    this.#options = resolveRegistryOptions(options);
    this.url = this.#options.url;
  }

  /**
   * The schema a record names by its id. An id the registry does not have is a bad record
   * (TRB_BAD_RECORD), not an outage; an unreachable registry is TRB_SCHEMA_REGISTRY_UNAVAILABLE.
   */
  schemaById(id: number): Promise<RegisteredSchema> {
    if (!Number.isInteger(id) || id < 0 || id > MAX_SCHEMA_ID) {
      return Promise.reject(
        new TributaryError('TRB_BAD_RECORD', `schema id ${id} cannot be in a schema registry (0 to 2^31-1)`),
      );
    }
    return this.#schemas.get(id, () => this.#fetchSchema(id));
  }

  /** The schema of an id that `schemaById` has already fetched, without waiting. */
  knownSchema(id: number): RegisteredSchema | undefined {
    return this.#schemas.peek(id);
  }

  /**
   * Registers a schema under a subject (a no-op that gives the existing id when it is
   * there already) and gives its id. The registry refuses a schema that breaks the
   * subject's compatibility rule: TRB_SCHEMA_REGISTRY_REFUSED.
   */
  register(subject: string, schema: string | object, schemaType: SchemaType = 'AVRO'): Promise<number> {
    const text = schemaText(schema);
    return this.#registered.get(cacheKey(subject, schemaType, text), async () => {
      const what = `registering a schema under subject '${subject}'`;
      const answer = await registryRequest(
        this.#options,
        what,
        'POST',
        `/subjects/${encodeURIComponent(subject)}/versions`,
        schemaBody(text, schemaType),
      );
      if (!answer.ok) throw refused(what, this.url, answer);
      return idIn(answer.body, what, this.url);
    });
  }

  /** The id of a schema under a subject, or undefined when it is not registered there. */
  async lookup(
    subject: string,
    schema: string | object,
    schemaType: SchemaType = 'AVRO',
  ): Promise<number | undefined> {
    const text = schemaText(schema);
    const key = cacheKey(subject, schemaType, text);
    const registered = this.#registered.peek(key);
    if (registered !== undefined) return registered;
    try {
      return await this.#lookedUp.get(key, async () => {
        const what = `looking up a schema under subject '${subject}'`;
        const answer = await registryRequest(
          this.#options,
          what,
          'POST',
          `/subjects/${encodeURIComponent(subject)}`,
          schemaBody(text, schemaType),
        );
        if (answer.ok) return idIn(answer.body, what, this.url);
        if (isNotFound(answer)) throw new NotRegistered();
        throw refused(what, this.url, answer);
      });
    } catch (error) {
      if (error instanceof NotRegistered) return undefined;
      throw error;
    }
  }

  async #fetchSchema(id: number): Promise<RegisteredSchema> {
    const what = `fetching schema id ${id}`;
    const answer = await registryRequest(this.#options, what, 'GET', `/schemas/ids/${id}`);
    if (!answer.ok) {
      if (isNotFound(answer)) {
        throw new TributaryError(
          'TRB_BAD_RECORD',
          `schema id ${id} is not in the schema registry at ${this.url}: the record was written ` +
            'against another registry, or its schema was deleted',
        );
      }
      throw refused(what, this.url, answer);
    }
    const body = answer.body as { schema?: unknown; schemaType?: unknown; references?: unknown };
    if (typeof body.schema !== 'string') throw malformed(what, this.url, 'no schema text');
    const schemaType = body.schemaType ?? 'AVRO';
    if (schemaType !== 'AVRO' && schemaType !== 'PROTOBUF' && schemaType !== 'JSON') {
      throw malformed(what, this.url, `an unknown schemaType ${JSON.stringify(schemaType)}`);
    }
    return {
      id,
      schemaType,
      schema: body.schema,
      references: Array.isArray(body.references) ? (body.references as SchemaReference[]) : [],
    };
  }
}

const schemaText = (schema: string | object): string =>
  typeof schema === 'string' ? schema : JSON.stringify(schema);

const cacheKey = (subject: string, schemaType: SchemaType, text: string): string =>
  `${subject}\u0000${schemaType}\u0000${text}`;

/** Older registries know only Avro and refuse a schemaType field: send it only when needed. */
const schemaBody = (schema: string, schemaType: SchemaType) =>
  schemaType === 'AVRO' ? { schema } : { schema, schemaType };

/** 40401 subject not found, 40403 schema not found: Confluent's codes, which Apicurio's ccompat API keeps. */
const isNotFound = (answer: RegistryRefusal): boolean =>
  answer.status === 404 && (answer.errorCode === 40401 || answer.errorCode === 40403);

const idIn = (body: unknown, what: string, url: string): number => {
  const id = (body as { id?: unknown }).id;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw malformed(what, url, 'no schema id');
  return id;
};

/** A 200 without what the API promises: a proxy's page, or not a Confluent-compatible registry. */
const malformed = (what: string, url: string, lack: string): TributaryError =>
  new TributaryError(
    'TRB_FORMAT_BAD_CONFIG',
    `${what}: the answer of ${url} has ${lack}: is the URL a Confluent-compatible API ` +
      '(for Apicurio it ends in /apis/ccompat/v7)?',
  );
