import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../contract/index.js';
import { type ErrorCode, TributaryError } from '../errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  TRB_HTTP_BAD_REQUEST: 400,
  TRB_HTTP_UNAUTHORIZED: 401,
  TRB_HTTP_FORBIDDEN: 403,
  TRB_HTTP_NOT_FOUND: 404,
  TRB_HTTP_BODY_TOO_LARGE: 413,
  TRB_HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  TRB_HTTP_NOT_READY: 503,
  TRB_HTTP_INTERNAL: 500,
  // A closed log or store is a platform shutting down, not a bad request.
  TRB_LOG_CLOSED: 503,
  TRB_STORE_CLOSED: 503,
  TRB_ALERT_NOT_FOUND: 404,
};

/** The HTTP status for a Tributary error: by code where it says more, else by domain. */
export const statusOf = (error: TributaryError): number =>
  STATUS[error.code] ?? (error.domain === 'user' ? 400 : error.domain === 'external' ? 503 : 500);

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'TRB_HTTP_BAD_REQUEST',
  401: 'TRB_HTTP_UNAUTHORIZED',
  403: 'TRB_HTTP_FORBIDDEN',
  404: 'TRB_HTTP_NOT_FOUND',
  413: 'TRB_HTTP_BODY_TOO_LARGE',
  415: 'TRB_HTTP_UNSUPPORTED_MEDIA_TYPE',
  503: 'TRB_HTTP_NOT_READY',
};

/** What the framework's own refusals say instead of its messages (which repeat the whole URL). */
const FRAMEWORK_MESSAGES: Readonly<Record<string, (request: RequestContext) => string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ({ bodyLimit }) =>
    `the request body is over the limit${bodyLimit ? ` of ${bodyLimit} bytes` : ''}; send smaller batches`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ({ contentType }) =>
    `the body's Content-Type${contentType ? ` (${contentType.slice(0, 100)})` : ''} is not one the server reads; send ` +
    'application/json, or application/x-ndjson (one event a line) to /api/v1/streams/:stream/events',
  FST_ERR_BAD_URL: () =>
    'the URL has a %-escape that is not UTF-8 (e.g. %E0%A4%A); escape names with encodeURIComponent',
  FST_ERR_MAX_PARAM_LENGTH: () =>
    `a name in the URL is over ${MAX_PARAM_LENGTH} characters, longer than this server reads`,
};

/** What an error's message may say of the request it refuses. */
interface RequestContext {
  readonly bodyLimit?: number;
  readonly contentType?: string;
}

/** The longest name a route parameter takes (Fastify's `maxParamLength`, 100 by default, shorter than some topic names). */
export const MAX_PARAM_LENGTH = 1_000;

export const badRequest = (message: string): TributaryError =>
  new TributaryError('TRB_HTTP_BAD_REQUEST', message);
export const notFound = (message: string): TributaryError =>
  new TributaryError('TRB_HTTP_NOT_FOUND', message);

/** `known` as a short list for a 404 message: the names a client could have meant. */
export const listNames = (kind: string, known: readonly string[]): string => {
  if (known.length === 0) return `there are no ${kind}`;
  const shown = known.slice(0, 50).map((n) => JSON.stringify(n));
  return `known ${kind}: ${shown.join(', ')}${known.length > 50 ? `, … (${known.length} in all)` : ''}`;
};

interface ValidationIssue {
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

const PART_NAMES: Record<string, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  body: 'body field',
  headers: 'header',
};

/** `limit: must be <= 1000 (query parameter)` rather than `querystring/limit must be <= 1000`. */
const describeValidation = (issues: readonly ValidationIssue[], context: string | undefined): string => {
  const part = PART_NAMES[context ?? ''] ?? context ?? 'request';
  return issues
    .map((issue) => {
      const path = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
      const missing = issue.params?.missingProperty;
      const name = path || (typeof missing === 'string' ? missing : '') || part;
      const allowed = issue.params?.allowedValues;
      const detail = Array.isArray(allowed)
        ? `must be one of ${allowed.join(', ')}`
        : (issue.message ?? 'invalid');
      return `${name}: ${detail} (${part})`;
    })
    .join('; ');
};

/**
 * Maps any thrown value to a status and the `{ error: { code, message } }` body; `internal`
 * is a bug (not a TributaryError, nor a refusal of the framework's): its details stay out of
 * the answer.
 */
export const toErrorBody = (
  error: unknown,
  request: RequestContext = {},
): { status: number; body: ErrorBody; internal: boolean } => {
  if (error instanceof TributaryError) {
    const status = statusOf(error);
    return { status, body: { error: { code: error.code, message: error.message } }, internal: false };
  }
  const fastifyError = error as Partial<FastifyError> & { validation?: ValidationIssue[] };
  if (Array.isArray(fastifyError.validation)) {
    const message = describeValidation(fastifyError.validation, fastifyError.validationContext);
    return { status: 400, body: { error: { code: 'TRB_HTTP_BAD_REQUEST', message } }, internal: false };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? 'TRB_HTTP_BAD_REQUEST';
    const message = FRAMEWORK_MESSAGES[fastifyError.code ?? '']?.(request) ?? fastifyError.message;
    return { status, body: { error: { code, message: message ?? 'bad request' } }, internal: false };
  }
  return {
    status: 500,
    body: {
      error: { code: 'TRB_HTTP_INTERNAL', message: 'the server failed this request; its log has the cause' },
    },
    internal: true,
  };
};

/**
 * The server's error handler: answers with an `ErrorBody`, and logs every 5xx with its
 * cause and the request's id — a bug (500) at error level, its answer naming the id to
 * look for; an outage (503) at warn.
 */
export const createErrorHandler =
  (bodyLimit: number) =>
  (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const { status, body, internal } = toErrorBody(error, {
      bodyLimit,
      contentType: request.headers?.['content-type'],
    });
    if (status >= 500) {
      const where = { reqId: request.id, method: request.method, url: redactUrl(request.url), status };
      if (internal) request.log.error({ ...where, err: error }, `request ${request.id} failed: a bug`);
      else
        request.log.warn(
          { ...where, code: body.error.code, cause: body.error.message },
          `request ${request.id} failed`,
        );
    }
    if (internal)
      body.error.message = `the server failed this request (request id ${request.id}); its log has the cause`;
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="tributary"');
    reply.code(status).send(body);
  };

/** `?apiKey=` (WebSocket clients) never reaches the log. */
export const redactUrl = (url: string): string => url.replace(/([?&]apiKey=)[^&]*/gi, '$1[redacted]');
