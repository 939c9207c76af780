import { TributaryError } from '../../errors.js';
import type { ResolvedRegistryOptions } from './options.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** A registry's answer that is not a success: its status and Confluent's `error_code`, when it gave one. */
export interface RegistryRefusal {
  readonly status: number;
  /** 40401 subject not found, 40403 schema not found, 409 incompatible, 42201 invalid schema, … */
  readonly errorCode?: number;
  readonly message: string;
}

export type RegistryAnswer =
  | { readonly ok: true; readonly body: unknown }
  | ({ readonly ok: false } & RegistryRefusal);

/** Statuses that say "not now" rather than "no": the request may succeed when repeated. */
const RETRYABLE = new Set([408, 425, 429]);

const unavailable = (what: string, url: string, why: string, cause?: unknown): TributaryError =>
  new TributaryError(
    'TRB_SCHEMA_REGISTRY_UNAVAILABLE',
    `${what}: the schema registry at ${url} ${why}; check that it runs and that this host reaches it ` +
      '(the url option, a proxy or firewall); retrying with backoff',
    { cause },
  );

/**
 * One request to the registry's Confluent API, bounded by the timeout. A success gives
 * the parsed body; a 4xx answer is returned for the caller to say what it means (a
 * missing schema is not an outage); anything that may pass on a retry — no connection,
 * a timeout, a 5xx, a body that is not JSON — throws TRB_SCHEMA_REGISTRY_UNAVAILABLE.
 */
export const registryRequest = async (
  options: ResolvedRegistryOptions,
  what: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<RegistryAnswer> => {
  const url = `${options.url}${path}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: `${CONTENT_TYPE}, application/json`,
        ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }),
        ...(options.authorization ? { authorization: options.authorization } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // One deadline for the connection, the answer and its body.
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    const why = timedOut
      ? `did not answer ${method} ${path} within ${options.timeoutMs} ms`
      : `cannot be reached (${describeFetchFailure(error)})`;
    throw unavailable(what, options.url, why, error);
  }
  const parsed = parseJson(text);
  if (response.ok) {
    if (parsed === undefined) {
      throw unavailable(what, options.url, `answered ${method} ${path} with a body that is not JSON`);
    }
    return { ok: true, body: parsed };
  }
  if (response.status >= 500 || RETRYABLE.has(response.status)) {
    throw unavailable(
      what,
      options.url,
      `failed ${method} ${path} with ${response.status}: ${summary(text)}`,
    );
  }
  const fields = (parsed ?? {}) as { error_code?: unknown; message?: unknown };
  return {
    ok: false,
    status: response.status,
    ...(typeof fields.error_code === 'number' ? { errorCode: fields.error_code } : {}),
    message: typeof fields.message === 'string' ? fields.message : summary(text),
  };
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The start of a body, on one line: enough to tell an HTML error page from a JSON one. */
const summary = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || '(empty body)';
};

/** undici's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND, …) in its cause. */
const describeFetchFailure = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
};

/**
 * A refusal the caller did not expect: bad credentials, a schema the registry finds
 * invalid or incompatible, or a URL that is not a Confluent API at all.
 */
export const refused = (what: string, url: string, answer: RegistryRefusal): TributaryError => {
  const code = answer.errorCode === undefined ? '' : `, error ${answer.errorCode}`;
  const hint =
    answer.status === 401 || answer.status === 403
      ? ': check username and password (an API key and secret for Confluent Cloud)'
      : answer.errorCode === undefined
        ? ': the URL may not be a Confluent-compatible API (for Apicurio it ends in /apis/ccompat/v7)'
        : '';
  return new TributaryError(
    answer.status === 404 && answer.errorCode === undefined
      ? 'TRB_FORMAT_BAD_CONFIG'
      : 'TRB_SCHEMA_REGISTRY_REFUSED',
    `${what}: the schema registry at ${url} refused it (${answer.status}${code}): ${answer.message}${hint}`,
  );
};
