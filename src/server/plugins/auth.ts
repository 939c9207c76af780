import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { TributaryError } from '../../errors.js';
import { type ApiKey, KeyRing, type Scope } from '../api-keys.js';

/** What a route needs: a scope, or nothing (`open`). Routes that say nothing need `read`. */
export type RouteScope = Scope | 'open';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: RouteScope;
    /** Also take the key from `?apiKey=`: browsers cannot set headers on a WebSocket. */
    keyInQuery?: boolean;
  }
}

export interface AuthOptions {
  readonly keys: readonly ApiKey[];
}

const unauthorized = (message: string): TributaryError =>
  new TributaryError('TRB_HTTP_UNAUTHORIZED', message);

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const presentedKey = (request: FastifyRequest): string | undefined => {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (!match) throw unauthorized('the Authorization header must be "Bearer <key>"');
    return match[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  if (request.routeOptions.config.keyInQuery) {
    const query = request.query as Record<string, unknown> | undefined;
    if (typeof query?.apiKey === 'string' && query.apiKey !== '') return query.apiKey;
  }
  return undefined;
};

/**
 * API keys with scopes. With no keys configured every route is open (only loopback allows
 * that, see `resolveOptions`); otherwise each route declares the scope it needs in its
 * `config`, and a route that declares none needs `read`: forgetting is safe.
 */
const auth: FastifyPluginAsync<AuthOptions> = async (app, { keys }) => {
  // Docs and CORS preflights carry no secrets, and browsers send neither with a key.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') || route.method === 'OPTIONS') {
      route.config = { ...route.config, scope: 'open' };
    }
  });
  if (keys.length === 0) return;
  const ring = new KeyRing(keys);
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.config.scope ?? 'read';
    if (needed === 'open') return;
    const key = presentedKey(request);
    if (key === undefined) {
      throw unauthorized(
        'this route needs an API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"',
      );
    }
    const scopes = ring.scopesOf(key);
    if (scopes === undefined) throw unauthorized('the API key is not known to this server');
    if (!KeyRing.allows(scopes, needed)) {
      throw new TributaryError(
        'TRB_HTTP_FORBIDDEN',
        `this route needs the "${needed}" scope; the API key has ${[...scopes].join(', ')}`,
      );
    }
  });
};

export const authPlugin = fp(auth, { name: 'tributary-auth', fastify: '5.x' });
