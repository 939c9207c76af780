import { TributaryError } from '../errors.js';

/**
 * Driver errors become TributaryErrors here, so that callers can act on the domain: a lost
 * connection is retried, a value the database refuses is the data's fault, and anything else
 * the database fails is retried too. Both drivers report PostgreSQL's SQLSTATE in `code`.
 */

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);

// pg reports a dropped or timed-out connection as a plain Error without a code.
const NETWORK_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|connection timeout|not queryable/i;

const START_HINT =
  'Start PostgreSQL (e.g. `pg_ctlcluster 15 main start`, or `docker run -d -p 5432:5432 ' +
  '-e POSTGRES_HOST_AUTH_METHOD=trust postgres:15`), or point the store (DATABASE_URL) at a running server.';

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const messageOf = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
};

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`: URLs go into messages and logs. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(a URL that does not parse)';
  }
};

/** Why the database could not be reached, and the fix, or undefined when it was reached. */
const unreachableHint = (error: unknown): string | undefined => {
  const inner = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const code = codeOf(inner) ?? '';
  if (NETWORK_CODES.has(code) || code.startsWith('08') || NETWORK_MESSAGE.test(messageOf(inner))) {
    return START_HINT;
  }
  if (code === '57P01' || code === '57P02' || code === '57P03') {
    return 'The server is shutting down or starting up; it is retried. ' + START_HINT;
  }
  if (code.startsWith('28')) return 'Check the user and password in the URL, and the server’s pg_hba.conf.';
  if (code === '3D000') return 'Create the database (`createdb NAME`) or fix the database name in the URL.';
  return undefined;
};

export const unreachable = (location: string, error: unknown, hint = unreachableHint(error) ?? START_HINT) =>
  new TributaryError(
    'TRB_STORE_UNREACHABLE',
    `cannot reach the result store at ${location}: ${messageOf(error)}. ${hint}`,
    { cause: error },
  );

/** Maps whatever a driver threw while running `what` to a TributaryError (kept as is if it is one). */
export const toStoreError = (error: unknown, location: string, what: string): TributaryError => {
  if (error instanceof TributaryError) return error;
  const hint = unreachableHint(error);
  if (hint) return unreachable(location, error, hint);
  const code = codeOf(error);
  const detail = `${what}: ${messageOf(error)}${code ? ` (SQLSTATE ${code})` : ''}`;
  // Class 22 is a data exception, 23 an integrity violation: the value is at fault, not the database.
  if (code?.startsWith('22') || code?.startsWith('23')) {
    return new TributaryError('TRB_STORE_REJECTED', `the result store at ${location} rejected ${detail}`, {
      cause: error,
    });
  }
  return new TributaryError('TRB_STORE_FAILED', `the result store at ${location} failed ${detail}`, {
    cause: error,
  });
};
