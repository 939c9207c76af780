import { type Static, Type } from 'typebox';
import { Count, List, Millis } from './fields.js';
import { AGGREGATIONS } from './vocabulary.js';

const AGGREGATION = 'How a bucket combines numeric fields (needs step)';
export const AggregationSchema = Type.Enum(AGGREGATIONS, { description: AGGREGATION });

/** One stored window result: a key's values over [start, end). */
export const SeriesPointSchema = Type.Object({
  key: Type.String({ description: 'The key as text: keys are stored in their string form' }),
  start: Millis,
  end: Millis,
  values: Type.Record(Type.String(), Type.Unknown()),
});
export type SeriesPoint = Static<typeof SeriesPointSchema>;

export const SeriesInfoSchema = Type.Object({
  name: Type.String(),
  keys: Type.Number({ minimum: 0, description: 'Distinct keys' }),
  rows: Count,
  firstStart: Type.Number({ description: 'Start of the earliest window, ms since the epoch' }),
  lastStart: Type.Number({ description: 'Start of the latest window, ms since the epoch' }),
  lastEnd: Type.Number({ description: 'End of the latest window, ms since the epoch' }),
});
export type SeriesInfo = Static<typeof SeriesInfoSchema>;

/** What `PlatformApi.querySeries` (and the store) answers: the query string, checked and resolved. */
export const SeriesQuerySchema = Type.Object({
  from: Type.Number({ description: 'Window start from (inclusive), ms since the epoch' }),
  to: Type.Number({ description: 'Window start to (exclusive), ms since the epoch' }),
  step: Type.Optional(
    Type.Number({
      description: 'Re-bucket into buckets of `step` ms aligned to multiples of `step`, per key',
    }),
  ),
  agg: Type.Optional(AggregationSchema),
  key: Type.Optional(Type.Union([Type.String(), List(Type.String())], { description: 'Only these keys' })),
  limit: Type.Optional(Type.Number({ description: 'At most this many points (the earliest)' })),
  fields: Type.Optional(List(Type.String({ description: 'Only these fields in `values`' }))),
});
export type SeriesQuery = Static<typeof SeriesQuerySchema>;

// ---- routes: /api/v1/series ----

/** Points a series query answers at most when it gives no `limit`. */
export const DEFAULT_SERIES_LIMIT = 10_000;

export const SeriesListSchema = Type.Object({ series: List(SeriesInfoSchema) });
export type SeriesList = Static<typeof SeriesListSchema>;

export const SeriesParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) });

const Time = (description: string) =>
  Type.Optional(
    Type.String({
      description: `${description}: ms since the epoch, ISO-8601 (UTC unless zoned), or now-15m`,
    }),
  );

/** The query string of `GET /api/v1/series/:name`, as sent: times and durations are still text. */
export const SeriesQueryStringSchema = Type.Object({
  from: Time('Earliest window start, inclusive; default to minus 1h'),
  to: Time('Latest window start, exclusive; default now'),
  step: Type.Optional(
    Type.String({ description: 'Re-bucket into buckets of this size: ms or a duration like 1m' }),
  ),
  agg: Type.Optional(Type.String({ enum: [...AGGREGATIONS], description: AGGREGATION })),
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
export type SeriesQueryString = Static<typeof SeriesQueryStringSchema>;

export const SeriesResultSchema = Type.Object({
  name: Type.String(),
  from: Type.Number(),
  to: Type.Number(),
  step: Type.Optional(Type.Number()),
  agg: Type.Optional(Type.String()),
  points: List(SeriesPointSchema),
});
export type SeriesResult = Static<typeof SeriesResultSchema>;

/** The query string of `GET /api/v1/series/:name/latest`. */
export const SeriesLatestQuerySchema = Type.Object({
  key: Type.Optional(
    Type.Array(Type.String(), { description: 'Only these keys; repeat for several (key=a&key=b)' }),
  ),
});

/** Where the latest results came from: Redis' hot cache, or the store when the cache holds none of the series. */
export const LATEST_SOURCES = ['cache', 'store'] as const;

/** The newest result of each key, and where it came from. */
export const SeriesLatestSchema = Type.Object({
  name: Type.String(),
  source: Type.Enum(LATEST_SOURCES, {
    description:
      '`cache`: the hot cache in Redis (keys written within `redis.latest_ttl`); `store`: the newest stored window of every key',
  }),
  points: List(SeriesPointSchema),
});
export type SeriesLatest = Static<typeof SeriesLatestSchema>;
