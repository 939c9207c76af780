import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import { MetricsTextResponse } from '../../contract/index.js';
import type { ServerMetrics } from '../server-metrics.js';

export interface MetricsOptions {
  readonly registry: Registry;
}

/** `GET /metrics`: the platform's registry (with the server's metrics in it) in Prometheus text. */
export const metricsPlugin: FastifyPluginAsync<MetricsOptions> = async (app, { registry }) => {
  app.get(
    '',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Prometheus metrics in the text exposition format',
        tags: ['operations'],
        response: { 200: MetricsTextResponse },
      },
    },
    async (_request, reply) => {
      // prom-client writes a NaN sample (the event-loop lag of an interval without samples)
      // as "Nan"; the exposition format spells it "NaN".
      const text = (await registry.metrics()).replace(/ Nan$/gm, ' NaN');
      return reply.type(registry.contentType).send(text);
    },
  );
};

export interface HttpMetricsOptions {
  readonly metrics: ServerMetrics;
}

/** Counts and times every answer by route template (never the raw URL: label cardinality). */
const httpMetrics: FastifyPluginAsync<HttpMetricsOptions> = async (app, { metrics }) => {
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
};

export const httpMetricsPlugin = fp(httpMetrics, { name: 'tributary-http-metrics', fastify: '5.x' });
