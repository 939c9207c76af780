import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  errorResponses,
  type PlatformApi,
  PlatformStatsSchema,
  StatsHistorySchema,
} from '../../contract/index.js';

export interface StatsOptions {
  readonly platform: PlatformApi;
}

/** `GET /api/v1/stats`: the platform's measured numbers, as the dashboard's header shows them; `/history`: the last 10 minutes of them. */
export const statsPlugin: FastifyPluginAsyncTypebox<StatsOptions> = async (app, { platform }) => {
  app.get(
    '',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Events in/out per second, active sources, latency p50/p99, dead letters, uptime',
        tags: ['platform'],
        response: { 200: PlatformStatsSchema, ...errorResponses(401, 403) },
      },
    },
    async () => platform.stats(),
  );

  app.get(
    '/history',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          'The stats of every second of the last 10 minutes, oldest first: what charts draw on opening',
        tags: ['platform'],
        response: { 200: StatsHistorySchema, ...errorResponses(401, 403) },
      },
    },
    async () => platform.statsHistory(),
  );
};
