import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  errorResponses,
  PipelineListSchema,
  PipelineParamsSchema,
  type PipelineStatus,
  PipelineStatusSchema,
  type PlatformApi,
  RecordsQuerySchema,
  RecordsResultSchema,
} from '../../contract/index.js';
import { listNames, notFound } from '../http-errors.js';

export interface PipelinesOptions {
  readonly platform: PlatformApi;
}

/** Pipeline status, and the dead letters and late events each one keeps for inspection. */
export const pipelinesPlugin: FastifyPluginAsyncTypebox<PipelinesOptions> = async (app, { platform }) => {
  const find = (name: string): PipelineStatus => {
    const pipeline = platform.pipeline(name);
    if (pipeline) return pipeline;
    const known = platform.pipelines().map((p) => p.name);
    throw notFound(`no pipeline ${JSON.stringify(name)}; ${listNames('pipelines', known)}`);
  };

  app.get(
    '',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Every pipeline with its status, throughput, lag, watermark and last checkpoint',
        tags: ['platform'],
        response: { 200: PipelineListSchema, ...errorResponses(401, 403) },
      },
    },
    async () => ({ pipelines: platform.pipelines() }),
  );

  app.get(
    '/:name',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One pipeline: status, throughput, lag, watermark, last checkpoint, operators',
        tags: ['platform'],
        params: PipelineParamsSchema,
        response: { 200: PipelineStatusSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => find(request.params.name),
  );

  // Dead letters and late events: the same shape, read from the platform's recent-records rings.
  const recent = [
    [
      'dead-letters',
      'Recent dead letters of a pipeline (newest last) with their error and source position',
      platform.deadLetters,
    ],
    [
      'late-events',
      'Recent late events of a pipeline (newest last): events behind the watermark',
      platform.lateEvents,
    ],
  ] as const;
  for (const [path, summary, read] of recent) {
    app.get(
      `/:name/${path}`,
      {
        config: { scope: 'read' },
        schema: {
          summary,
          tags: ['platform'],
          params: PipelineParamsSchema,
          querystring: RecordsQuerySchema,
          response: { 200: RecordsResultSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { name } = find(request.params.name);
        return { pipeline: name, records: read.call(platform, name, request.query.limit ?? 100) };
      },
    );
  }
};
