import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, HealthSchema, type PlatformApi } from '../../contract/index.js';
import { TributaryError } from '../../errors.js';

export interface HealthOptions {
  readonly platform: PlatformApi;
}

/** Liveness and readiness, always open: probes carry no keys. */
export const healthPlugin: FastifyPluginAsyncTypebox<HealthOptions> = async (app, { platform }) => {
  app.get(
    '/healthz',
    {
      config: { scope: 'open' },
      schema: {
        summary: 'Liveness: 200 while the process serves',
        tags: ['operations'],
        security: [],
        response: { 200: HealthSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: { scope: 'open' },
      schema: {
        summary: 'Readiness: 200 once sources, pipelines and the store are up, else 503',
        tags: ['operations'],
        security: [],
        response: { 200: HealthSchema, ...errorResponses(503) },
      },
    },
    async () => {
      if (!platform.ready()) {
        throw new TributaryError('TRB_HTTP_NOT_READY', 'the platform is starting or stopping; retry shortly');
      }
      return { status: 'ready' };
    },
  );
};
