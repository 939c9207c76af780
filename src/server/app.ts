import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { PlatformApi } from '../contract/index.js';
import { createErrorHandler, MAX_PARAM_LENGTH, redactUrl } from './http-errors.js';
import { type ResolvedOptions, resolveOptions, type ServerOptions } from './options.js';
import { alertsPlugin } from './plugins/alerts.js';
import { authPlugin } from './plugins/auth.js';
import { corsPlugin } from './plugins/cors.js';
import { dashboardPlugin } from './plugins/dashboard.js';
import { docsPlugin } from './plugins/docs.js';
import { healthPlugin } from './plugins/health.js';
import { httpMetricsPlugin, metricsPlugin } from './plugins/metrics.js';
import { pipelinesPlugin } from './plugins/pipelines.js';
import { seriesPlugin } from './plugins/series.js';
import { statsPlugin } from './plugins/stats.js';
import { streamsPlugin } from './plugins/streams.js';
import { wsPlugin } from './plugins/ws.js';
import { createServerMetrics } from './server-metrics.js';

/** Requests that take longer than this are answered 408: a stalled upload cannot hold a socket forever. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Builds the HTTP server around a running platform, without listening (see `startServer`).
 * Refuses options that would expose it: beyond loopback it needs API keys.
 *
 * @example
 * const app = await buildServer(platform, { apiKeys: parseApiKeys(process.env.TRIBUTARY_API_KEYS ?? '') });
 * const res = await app.inject({ method: 'GET', url: '/api/v1/stats' });
 */
export const buildServer = async (
  platform: PlatformApi,
  options: ServerOptions = {},
): Promise<FastifyInstance> => {
  const resolved = resolveOptions(options);
  const app = Fastify({
    ...logging(options),
    bodyLimit: resolved.bodyLimit,
    requestTimeout: REQUEST_TIMEOUT_MS,
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // A URL the router cannot read (a broken %-escape, an over-long name) answers as every error does.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
  });
  const handleError = createErrorHandler(resolved.bodyLimit);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].slice(0, 200);
    reply.code(404).send({
      error: {
        code: 'TRB_HTTP_NOT_FOUND',
        message: `no route ${request.method} ${path}; the routes are listed at /docs`,
      },
    });
  });
  await registerPlugins(app, platform, resolved, options.operationsOnly === true);
  return app;
};

const registerPlugins = async (
  app: FastifyInstance,
  platform: PlatformApi,
  options: ResolvedOptions,
  operationsOnly: boolean,
) => {
  const metrics = createServerMetrics(platform.metrics);
  // Order matters. The WebSocket plugin's hooks come first: it marks upgrade requests so
  // that a refused one (401) gets its socket closed. CORS answers preflights before auth
  // asks for a key. Docs come before the routes, to see them all.
  app.addHook('preClose', (done) => {
    // Before @fastify/websocket's own preClose, which closes without a code.
    for (const client of app.websocketServer?.clients ?? []) client.close(1001, 'server shutting down');
    done();
  });
  await app.register(websocket, { options: { maxPayload: options.live.maxMessageBytes } });
  await app.register(corsPlugin, { origins: options.corsOrigins });
  await app.register(authPlugin, { keys: options.apiKeys });
  await app.register(httpMetricsPlugin, { metrics });
  if (!operationsOnly) await app.register(docsPlugin, { secured: options.apiKeys.length > 0 });
  await app.register(healthPlugin, { platform });
  await app.register(metricsPlugin, { prefix: '/metrics', registry: platform.metrics });
  if (operationsOnly) return;
  await app.register(statsPlugin, { prefix: '/api/v1/stats', platform });
  await app.register(pipelinesPlugin, { prefix: '/api/v1/pipelines', platform });
  await app.register(streamsPlugin, { prefix: '/api/v1/streams', platform, metrics });
  await app.register(seriesPlugin, { prefix: '/api/v1/series', platform });
  await app.register(alertsPlugin, { prefix: '/api/v1/alerts', platform });
  await app.register(wsPlugin, { prefix: '/ws', platform, metrics, live: options.live });
  await app.register(dashboardPlugin, {});
};

const logging = (
  options: ServerOptions,
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance' | 'logController'> => {
  // The process's logger: no line per request (the dashboard polls), a line per failure.
  if (options.loggerInstance)
    return {
      loggerInstance: options.loggerInstance,
      logController: new LogController({ disableRequestLogging: true }),
    };
  if (!options.logger) return { logger: false };
  const base = options.logger === true ? {} : options.logger;
  return {
    logger: {
      ...base,
      serializers: {
        req: (req) => ({
          method: req.method,
          url: redactUrl(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
        ...base.serializers,
      },
    },
  };
};
