import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import { TributaryError } from '../errors.js';
import { type ApiKey, checkApiKeys } from './api-keys.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

/** How the server is bound, secured and bounded. Every field has a safe default. */
export interface ServerOptions {
  /** Interface to bind; default `127.0.0.1`. Beyond loopback, `apiKeys` are required. */
  readonly host?: string;
  /** Port for `startServer`; default 8080, 0 for any free port. */
  readonly port?: number;
  /** API keys with scopes; none means open access, which only loopback allows. */
  readonly apiKeys?: readonly ApiKey[];
  /** Origins allowed by CORS, e.g. `https://dash.example.com`; none by default. */
  readonly corsOrigins?: readonly string[];
  /** Largest request body in bytes (413 beyond); default 16 MiB. */
  readonly bodyLimit?: number;
  /** Fastify's logger option; default off. */
  readonly logger?: FastifyServerOptions['logger'];
  /** A ready logger (e.g. the platform's pino instance) instead of `logger`. */
  readonly loggerInstance?: FastifyBaseLogger;
  readonly live?: LiveOptions;
  /** Only `/healthz`, `/readyz` and `/metrics`: a process that serves no API (`tributary worker`). */
  readonly operationsOnly?: boolean;
}

/** Bounds of the `/ws` live updates. */
export interface LiveOptions {
  /** Most updates per second sent per subscription; default 4. */
  readonly updatesPerSecond?: number;
  /** Unsent bytes a client may have queued before it is dropped; default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Channels one client may subscribe to at once; default 64. */
  readonly maxSubscriptions?: number;
  /** Largest message a client may send, in bytes; default 16 KiB. */
  readonly maxMessageBytes?: number;
  /** Interval of pings; a client that misses a pong by the next one is dropped. Default 30 s; 0 disables. */
  readonly heartbeatMs?: number;
}

export type ResolvedLiveOptions = Required<LiveOptions>;

export interface ResolvedOptions {
  readonly host: string;
  readonly apiKeys: readonly ApiKey[];
  readonly corsOrigins: readonly string[];
  readonly bodyLimit: number;
  readonly live: ResolvedLiveOptions;
}

const badConfig = (message: string): TributaryError => new TributaryError('TRB_SERVER_BAD_CONFIG', message);

/** True for addresses that only this machine can reach. */
export const isLoopback = (host: string): boolean => {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return (
    h === 'localhost' ||
    h === '::1' ||
    h === '0:0:0:0:0:0:0:1' ||
    /^127(?:\.\d{1,3}){3}$/.test(h) ||
    /^::ffff:127(?:\.\d{1,3}){3}$/.test(h)
  );
};

const positiveInteger = (value: number | undefined, fallback: number, name: string, min = 1): number => {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw badConfig(`${name}: ${value} is not a whole number of at least ${min}`);
  }
  return value;
};

const ORIGIN = /^https?:\/\/[^/\s?#*]+\/?$/i;

/** Checks options once, at the edge, and fills in defaults. */
export const resolveOptions = (options: ServerOptions): ResolvedOptions => {
  const host = options.host ?? DEFAULT_HOST;
  const apiKeys = checkApiKeys(options.apiKeys ?? []);
  if (apiKeys.length === 0 && !isLoopback(host)) {
    throw badConfig(
      `the server would listen on ${host}, beyond loopback, without API keys: anyone who can reach it could ` +
        `read and ingest. Set TRIBUTARY_API_KEYS (e.g. "<key>:read,ingest;<key>:admin"), or bind to 127.0.0.1`,
    );
  }
  const corsOrigins = options.corsOrigins ?? [];
  corsOrigins.forEach((origin, i) => {
    if (origin === '*') {
      throw badConfig(
        `corsOrigins[${i}]: "*" is not allowed; list the origins, e.g. "https://dash.example.com"`,
      );
    }
    if (typeof origin !== 'string' || !ORIGIN.test(origin)) {
      throw badConfig(
        `corsOrigins[${i}]: ${JSON.stringify(origin)} is not an origin; use scheme://host[:port] such as ` +
          `"https://dash.example.com", without a path`,
      );
    }
  });
  const live = options.live ?? {};
  const updatesPerSecond = live.updatesPerSecond ?? 4;
  if (!Number.isFinite(updatesPerSecond) || updatesPerSecond <= 0) {
    throw badConfig(`live.updatesPerSecond: ${updatesPerSecond} is not a positive number`);
  }
  return {
    host,
    apiKeys,
    corsOrigins: corsOrigins.map((o) => o.replace(/\/$/, '')),
    bodyLimit: positiveInteger(options.bodyLimit, DEFAULT_BODY_LIMIT, 'bodyLimit'),
    live: {
      updatesPerSecond,
      maxBufferedBytes: positiveInteger(live.maxBufferedBytes, 1024 * 1024, 'live.maxBufferedBytes'),
      maxSubscriptions: positiveInteger(live.maxSubscriptions, 64, 'live.maxSubscriptions'),
      maxMessageBytes: positiveInteger(live.maxMessageBytes, 16 * 1024, 'live.maxMessageBytes'),
      heartbeatMs: positiveInteger(live.heartbeatMs, 30_000, 'live.heartbeatMs', 0),
    },
  };
};
