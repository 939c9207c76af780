import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PlatformApi } from '../platform-api.js';
import { errors, StatsSchema } from '../schemas.js';

export interface StatsOptions {
  readonly platform: PlatformApi;
}

/** `GET /api/v1/stats`: the platform's measured numbers, as the dashboard's header shows them. */
export const statsPlugin: FastifyPluginAsyncTypebox<StatsOptions> = async (app, { platform }) => {
  app.get(
    '',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Events in/out per second, active sources, latency p50/p99, dead letters, uptime',
        tags: ['platform'],
        response: { 200: StatsSchema, ...errors(401, 403) },
      },
    },
    async () => platform.stats(),
  );
};
