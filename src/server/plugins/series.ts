import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  errorResponses,
  type PlatformApi,
  SeriesLatestQuerySchema,
  SeriesLatestSchema,
  SeriesListSchema,
  SeriesParamsSchema,
  SeriesQueryStringSchema,
  SeriesResultSchema,
} from '../../contract/index.js';
import { listNames, notFound } from '../http-errors.js';
import { toSeriesQuery } from '../series-query.js';

export interface SeriesOptions {
  readonly platform: PlatformApi;
}

/** Stored results: the list of series, and the points of one over a time range. */
export const seriesPlugin: FastifyPluginAsyncTypebox<SeriesOptions> = async (app, { platform }) => {
  app.get(
    '',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Stored series with their key and row counts and time span',
        tags: ['series'],
        response: { 200: SeriesListSchema, ...errorResponses(401, 403) },
      },
    },
    async () => ({ series: await platform.listSeries() }),
  );

  app.get(
    '/:name',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Points of a series over a time range, optionally re-bucketed and aggregated, by key',
        tags: ['series'],
        params: SeriesParamsSchema,
        querystring: SeriesQueryStringSchema,
        response: { 200: SeriesResultSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const query = toSeriesQuery(request.query, Date.now());
      const points = await platform.querySeries(name, query);
      // Only an empty answer needs the (slower) list: a series with points exists.
      if (points.length === 0) await requireKnown(platform, name);
      return {
        name,
        from: query.from,
        to: query.to,
        ...(query.step !== undefined && { step: query.step }),
        ...(query.agg !== undefined && { agg: query.agg }),
        points,
      };
    },
  );

  app.get(
    '/:name/latest',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          'The newest result of each key of a series: from the hot cache in Redis, else from the store',
        tags: ['series'],
        params: SeriesParamsSchema,
        querystring: SeriesLatestQuerySchema,
        response: { 200: SeriesLatestSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const latest = await platform.latestOfSeries(name, request.query.key);
      if (latest.points.length === 0) await requireKnown(platform, name);
      return { name, ...latest };
    },
  );
};

/**
 * A series is known once it has results, or from the start when a pipeline of the
 * configuration stores into it (an empty answer then, not a 404); else 404 naming the known.
 */
const requireKnown = async (platform: PlatformApi, name: string): Promise<void> => {
  const declared = platform.declaredSeries();
  if (declared.includes(name)) return;
  const known = new Set([...(await platform.listSeries()).map((s) => s.name), ...declared]);
  if (!known.has(name))
    throw notFound(`no series ${JSON.stringify(name)}; ${listNames('series', [...known].sort())}`);
};
