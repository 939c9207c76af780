import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';

export interface DashboardOptions {
  /** The built dashboard (index.html and assets/); default `dist/web` in the package. */
  readonly root?: string;
}

/** The package's root: the nearest folder above this file with a package.json (src/ or dist/src/ alike). */
const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
};

export const DEFAULT_DASHBOARD_ROOT = join(packageRoot(), 'dist', 'web');

/** Paths that belong to the API: an unknown one is a JSON 404, never the dashboard's page. */
const API_PATHS = /^\/(?:api|ws|metrics|docs|healthz|readyz)(?:[/?#]|$)/;

// The page and the browser's data calls come from this origin only; ECharts and Vue set
// inline styles, hence 'unsafe-inline' for styles (never for scripts).
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Files under `root`, as URL paths relative to it (`assets/index-3f2a.js`). */
const listFiles = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));

/**
 * Browser page loads (`Accept: text/html`) match the client-side-routing fallback; API
 * clients, curl and tests do not, so an unknown path still gets the JSON 404 (and, with API
 * keys, the 401 that reveals nothing). Router-wide: find-my-way has one set of strategies.
 */
const PAGE_CONSTRAINT = 'dashboardPage';
type ConstraintStrategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];
type RouteStore = ReturnType<ReturnType<ConstraintStrategy['storage']>['get']>;
const pageStrategy: ConstraintStrategy = {
  name: PAGE_CONSTRAINT,
  storage: () => {
    const stores = new Map<string, RouteStore>();
    return {
      get: (value: string) => stores.get(value) ?? null,
      set: (value: string, store: RouteStore) => {
        stores.set(value, store);
      },
    };
  },
  deriveConstraint: (request) => {
    const accept = request.headers.accept;
    return typeof accept === 'string' && accept.includes('text/html') ? 'page' : undefined;
  },
  mustMatchWhenDerived: false,
};

const notBuiltPage = `<!doctype html><meta charset="utf-8"><title>Tributary</title>
<body style="font:16px system-ui;margin:4rem auto;max-width:40rem;color:#1f2937">
<h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>, which builds
first), then reload. The API is up: <a href="/api/v1/stats">/api/v1/stats</a>, <a href="/docs">/docs</a>.</p>`;

/**
 * The live dashboard: serves the files Vite built (`npm run build` → dist/web) with
 * @fastify/static. `/` and deep links such as `/pipelines/clicks-per-user` get index.html
 * (the client routes); hashed assets are cached for a year, index.html is revalidated.
 * The files carry no data, so they are open even with API keys; the page asks for a key.
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  const root = options.root ?? DEFAULT_DASHBOARD_ROOT;
  const route = { config: { scope: 'open' as const }, schema: { hide: true } };

  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'the dashboard is not built (npm run build); / explains how to build it');
    app.get('/', route, async (_request, reply) =>
      reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(notBuiltPage),
    );
    return;
  }

  await app.register(fastifyStatic, { root, serve: false });

  const sendPage = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .sendFile('index.html', { cacheControl: false });

  app.get('/', route, async (_request, reply) => sendPage(reply));

  // Vite names what it builds under assets/ by content hash: a changed file is a new URL,
  // so these are cached for a year. Served by wildcard, so a rebuild needs no restart.
  app.get('/assets/*', route, async (request, reply) => {
    const file = (request.params as { '*': string })['*'];
    return reply.header('x-content-type-options', 'nosniff').sendFile(file, join(root, 'assets'), {
      maxAge: '365d',
      immutable: true,
    });
  });
  for (const file of listFiles(root)) {
    if (file === 'index.html' || file.startsWith('assets/')) continue;
    app.get(`/${file}`, route, async (_request, reply) =>
      reply.header('x-content-type-options', 'nosniff').sendFile(file, { maxAge: 0 }),
    );
  }

  if (!app.hasConstraintStrategy(PAGE_CONSTRAINT)) app.addConstraintStrategy(pageStrategy);
  app.get('/*', { ...route, constraints: { [PAGE_CONSTRAINT]: 'page' } }, async (request, reply) => {
    const path = request.url.split('?')[0];
    const last = path.slice(path.lastIndexOf('/') + 1);
    // A missing file (a dot in the last segment) or an unknown API path is a 404, not the page.
    if (API_PATHS.test(path) || last.includes('.')) return reply.callNotFound();
    return sendPage(reply);
  });
};
