import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listNames, notFound } from '../http-errors.js';
import type { PipelineStatus, PlatformApi } from '../platform-api.js';
import { errors, List, PipelineStatusSchema, StoredRecordSchema } from '../schemas.js';

export interface PipelinesOptions {
  readonly platform: PlatformApi;
}

const Name = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256, description: 'Pipeline name' }),
});
const Limit = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Most records to return (newest)' }),
  ),
});
const Records = Type.Object({ pipeline: Type.String(), records: List(StoredRecordSchema) });

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
        response: { 200: Type.Object({ pipelines: List(PipelineStatusSchema) }), ...errors(401, 403) },
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
        params: Name,
        response: { 200: PipelineStatusSchema, ...errors(400, 401, 403, 404) },
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
          params: Name,
          querystring: Limit,
          response: { 200: Records, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { name } = find(request.params.name);
        return { pipeline: name, records: read.call(platform, name, request.query.limit ?? 100) };
      },
    );
  }
};
