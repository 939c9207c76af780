import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { TributaryError } from '../../engine/errors.js';
import type { PlatformApi } from '../platform-api.js';
import { errors } from '../schemas.js';

export interface HealthOptions {
  readonly platform: PlatformApi;
}

const Status = Type.Object({ status: Type.String() });

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
        response: { 200: Status },
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
        response: { 200: Status, ...errors(503) },
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
