/**
 * Every error the engine raises has a code from this catalogue, a message that names the
 * field or record at fault and the fix, and a domain that tells the caller what to do:
 * `user` — fix the pipeline or the input; `external` — a service failed, retry with backoff;
 * `internal` — a bug in Tributary.
 */
export type ErrorDomain = 'user' | 'external' | 'internal';

export const ERROR_CODES = {
  TRB_INVALID_DURATION: {
    domain: 'user',
    summary: 'A duration is not a number of milliseconds or a string like "10s".',
  },
  TRB_INVALID_WINDOW: { domain: 'user', summary: 'A window size, slide, offset or gap is out of range.' },
  TRB_INVALID_PLAN: {
    domain: 'user',
    summary: 'A pipeline plan is malformed (a dangling stream, a duplicate name, …).',
  },
  TRB_UNKNOWN_SOURCE: {
    domain: 'user',
    summary: 'A batch was pushed to a source the pipeline does not have.',
  },
  TRB_RESERVED_FIELD: {
    domain: 'user',
    summary: 'An aggregation is named after a field the window result reserves.',
  },
  TRB_BAD_RECORD: {
    domain: 'user',
    summary: 'A record failed validation, or its key or event time is unusable.',
  },
  TRB_USER_FUNCTION: { domain: 'user', summary: 'A user function threw while processing a record.' },
  TRB_SNAPSHOT_MISMATCH: {
    domain: 'user',
    summary: 'A checkpoint does not match the pipeline it is restored into.',
  },
  TRB_INTERNAL: { domain: 'internal', summary: 'An invariant of the engine was broken: please report it.' },
} as const satisfies Record<string, { domain: ErrorDomain; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly domain: ErrorDomain;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TributaryError';
    this.code = code;
    this.domain = ERROR_CODES[code].domain;
  }
}

/** A JSON-safe description of any thrown value, for dead letters and logs. */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export const describeError = (error: unknown): ErrorInfo => {
  if (error instanceof TributaryError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
};
