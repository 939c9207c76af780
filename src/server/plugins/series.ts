import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AGGREGATIONS } from '../../store/types.js';
import { listNames, notFound } from '../http-errors.js';
import type { PlatformApi } from '../platform-api.js';
import { errors, List, SeriesInfoSchema, SeriesPointSchema } from '../schemas.js';
import { DEFAULT_SERIES_LIMIT, toSeriesQuery } from '../series-query.js';

export interface SeriesOptions {
  readonly platform: PlatformApi;
}

const Time = (description: string) =>
  Type.Optional(
    Type.String({
      description: `${description}: ms since the epoch, ISO-8601 (UTC unless zoned), or now-15m`,
    }),
  );

const SeriesQueryString = Type.Object({
  from: Time('Earliest window start, inclusive; default to minus 1h'),
  to: Time('Latest window start, exclusive; default now'),
  step: Type.Optional(
    Type.String({ description: 'Re-bucket into buckets of this size: ms or a duration like 1m' }),
  ),
  agg: Type.Optional(
    Type.String({
      enum: [...AGGREGATIONS],
      description: 'How a bucket combines numeric fields (needs step)',
    }),
  ),
  key: Type.Optional(
    Type.Array(Type.String(), { description: 'Only these keys; repeat for several (key=a&key=b)' }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      description: `Most points, earliest first (default ${DEFAULT_SERIES_LIMIT})`,
    }),
  ),
  fields: Type.Optional(Type.String({ description: 'Only these value fields, comma-separated' })),
});

const SeriesResult = Type.Object({
  name: Type.String(),
  from: Type.Number(),
  to: Type.Number(),
  step: Type.Optional(Type.Number()),
  agg: Type.Optional(Type.String()),
  points: List(SeriesPointSchema),
});

/** Stored results: the list of series, and the points of one over a time range. */
export const seriesPlugin: FastifyPluginAsyncTypebox<SeriesOptions> = async (app, { platform }) => {
  app.get(
    '',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Stored series with their key and row counts and time span',
        tags: ['series'],
        response: { 200: Type.Object({ series: List(SeriesInfoSchema) }), ...errors(401, 403) },
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
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) }),
        querystring: SeriesQueryString,
        response: { 200: SeriesResult, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const query = toSeriesQuery(request.query, Date.now());
      const points = await platform.querySeries(name, query);
      // Only an empty answer needs the (slower) list: a series with points exists.
      if (points.length === 0) {
        const known = (await platform.listSeries()).map((s) => s.name);
        if (!known.includes(name))
          throw notFound(`no series ${JSON.stringify(name)}; ${listNames('series', known)}`);
      }
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
};
