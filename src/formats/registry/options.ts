import { TributaryError } from '../../errors.js';

export interface SchemaRegistryOptions {
  /**
   * The base URL of a Confluent-compatible REST API: `http://host:8081` for Confluent's
   * registry, `http://host:8080/apis/ccompat/v7` for Apicurio's.
   */
  readonly url: string;
  /** HTTP basic auth (Confluent Cloud: the API key and secret). */
  readonly username?: string;
  readonly password?: string;
  /** How long one request may take, connection included. Default 10,000 ms. */
  readonly timeoutMs?: number;
}

export interface ResolvedRegistryOptions {
  /** Without a trailing slash, so that paths append to it. */
  readonly url: string;
  readonly timeoutMs: number;
  /** The `authorization` header, when credentials were given. */
  readonly authorization?: string;
}

/** A refused option; `field` and `problem` let a configuration file report it at its own key. */
export class RegistryOptionError extends TributaryError {
  constructor(
    readonly field: keyof SchemaRegistryOptions,
    readonly problem: string,
    cause?: unknown,
  ) {
    super('TRB_FORMAT_BAD_CONFIG', `schema registry: ${field}: ${problem}`, { cause });
  }
}

const badConfig = (
  field: keyof SchemaRegistryOptions,
  value: unknown,
  fix: string,
  cause?: unknown,
): RegistryOptionError =>
  new RegistryOptionError(field, `${JSON.stringify(value) ?? String(value)} ${fix}`, cause);

/** Checks the options once, at the edge, so that a request never fails on a malformed URL. */
export const resolveRegistryOptions = (options: SchemaRegistryOptions): ResolvedRegistryOptions => {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (error) {
    throw badConfig('url', options.url, 'is not a URL; give e.g. http://127.0.0.1:8081', error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badConfig('url', options.url, 'is not an http:// or https:// URL');
  }
  if (url.username || url.password) {
    // fetch refuses URLs with credentials; they also end up in logs and error messages.
    throw badConfig(
      'url',
      `${url.protocol}//…@${url.host}`,
      'has credentials in it: give username and password',
    );
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw badConfig('timeoutMs', timeoutMs, 'is not a whole number of milliseconds, 1 or more');
  }
  if ((options.username === undefined) !== (options.password === undefined)) {
    const [given, missing] =
      options.username === undefined
        ? (['password', 'username'] as const)
        : (['username', 'password'] as const);
    throw badConfig(given, '…', `is given without ${missing}: give both, or neither`);
  }
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return {
    url: base,
    timeoutMs,
    ...(options.username === undefined
      ? {}
      : {
          authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`,
        }),
  };
};
