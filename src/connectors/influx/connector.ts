import Type, { type Static } from 'typebox';
import { duration } from '../../config/durations.js';
import { millis } from '../../config/units.js';
import type { ReportProblem, SinkConnector } from '../connector.js';
import { InfluxSink } from './influx-sink.js';
import type { InfluxApi, InfluxSinkSpec } from './write-endpoint.js';

const DEFAULT_URL = 'http://127.0.0.1:8086';
const DEFAULT_DATABASE = 'tributary';

const names = (description: string, fallback: readonly string[]) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: fallback, description }));

const options = Type.Object(
  {
    type: Type.Literal('influx'),
    url: Type.Optional(
      Type.String({
        minLength: 1,
        default: DEFAULT_URL,
        description:
          'Where InfluxDB listens (http:// or https://, a path prefix kept); 1.x credentials in it go as basic auth, and a URL from the environment keeps them out of the file',
      }),
    ),
    database: Type.Optional(
      Type.String({
        minLength: 1,
        default: DEFAULT_DATABASE,
        description: 'InfluxDB 1.x: the database written; it must exist (CREATE DATABASE)',
      }),
    ),
    measurement: Type.Optional(
      Type.String({
        minLength: 1,
        'x-default': 'the sink name',
        description: 'The measurement of every point',
      }),
    ),
    tags: names(
      'Result fields written as tags; the pipeline key stands in for a key field the result lacks',
      ['key'],
    ),
    integer_fields: names(
      'Fields written as integers (42i); every other number is a float, so that a field never changes type',
      [],
    ),
    username: Type.Optional(
      Type.String({ minLength: 1, description: 'InfluxDB 1.x: the user (HTTP basic auth)' }),
    ),
    password: Type.Optional(
      Type.String({ description: "InfluxDB 1.x: the user's password; take it from the environment" }),
    ),
    token: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'InfluxDB 2.x: an API token with write access to bucket; with org and bucket, the v2 API is used',
      }),
    ),
    org: Type.Optional(Type.String({ minLength: 1, description: 'InfluxDB 2.x: the organization' })),
    bucket: Type.Optional(Type.String({ minLength: 1, description: 'InfluxDB 2.x: the bucket written' })),
    batch_size: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        default: 5000,
        description: 'Lines in one write request',
      }),
    ),
    flush_interval: Type.Optional(
      duration(
        'How long fewer than batch_size points wait for more before they are written; a checkpoint writes all',
        {
          default: '1s',
        },
      ),
    ),
    max_retries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 20,
        default: 5,
        description:
          'Retries of a request that got no answer, a 5xx or a 429 (0.25 s doubling, at most 8 s, or as Retry-After asks); then the flush fails and the task tries again',
      }),
    ),
    timeout: Type.Optional(
      duration('The longest one write request waits for its answer', { default: '10s' }),
    ),
  },
  { additionalProperties: false },
);

type InfluxOptions = Static<typeof options>;

const isHttpUrl = (url: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
};

/** The 1.x API, or the 2.x one when any of token, org and bucket is given; what does not fit is reported. */
const resolveApi = (o: InfluxOptions, report: ReportProblem): InfluxApi => {
  const v2 = { token: o.token, org: o.org, bucket: o.bucket };
  const given = Object.entries(v2).filter(([, v]) => v !== undefined);
  if (given.length === 0) {
    if ((o.username === undefined) !== (o.password === undefined)) {
      const [present, absent] =
        o.username === undefined ? ['password', 'username'] : ['username', 'password'];
      report([present], `needs ${absent} too (HTTP basic auth): add ${absent}`);
    }
    return {
      version: 1,
      database: o.database ?? DEFAULT_DATABASE,
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
    };
  }
  const givenNames = given.map(([k]) => k).join(', ');
  for (const [key, value] of Object.entries(v2))
    if (value === undefined)
      report([key], `the InfluxDB 2 API needs token, org and bucket; ${givenNames} given: add ${key}`);
  for (const key of ['database', 'username', 'password'] as const)
    if (o[key] !== undefined)
      report([key], `is for InfluxDB 1.x; with ${givenNames} the sink writes to InfluxDB 2: remove it`);
  return { version: 2, token: o.token ?? '', org: o.org ?? '', bucket: o.bucket ?? '' };
};

/**
 * Results into InfluxDB (1.x, or 2.x with a token) as points of one measurement: tags from
 * the result's key, fields from its numbers, booleans and strings, at the window's end.
 *
 * @example
 * // sinks:
 * //   clicks-per-user: { type: influx, url: "${INFLUX_URL}", database: web, integer_fields: [clicks] }
 */
export const influxConnector: SinkConnector<InfluxSinkSpec> = {
  type: 'influx',
  summary: 'Results into InfluxDB 1.x or 2.x as line protocol: tags from the key, fields from the values',
  guarantee: 'at-least-once',
  options,
  resolve: (name, block, context) => {
    const o = block as InfluxOptions;
    const report: ReportProblem = context?.report ?? (() => {});
    const url = o.url ?? DEFAULT_URL;
    if (!isHttpUrl(url)) report(['url'], 'is not an http:// or https:// URL; use e.g. http://127.0.0.1:8086');
    const measurement = o.measurement ?? name;
    if (measurement.includes('\n'))
      report(['measurement'], 'holds a line break, which line protocol cannot carry');
    const tags = o.tags ?? ['key'];
    const integerFields = o.integer_fields ?? [];
    const both = integerFields.find((field) => tags.includes(field));
    if (both !== undefined)
      report(
        ['integer_fields'],
        `"${both}" is a tag, and tags are strings: remove it from tags or from integer_fields`,
      );
    const timeoutMs = millis(o.timeout, 10_000);
    if (timeoutMs <= 0) report(['timeout'], 'must be longer than 0; e.g. 10s');
    return {
      type: 'influx',
      url,
      api: resolveApi(o, report),
      shape: { measurement, tags, integerFields },
      batchSize: o.batch_size ?? 5000,
      flushIntervalMs: millis(o.flush_interval, 1_000),
      maxRetries: o.max_retries ?? 5,
      timeoutMs,
    };
  },
  create: async (name, spec, context) => new InfluxSink(name, spec, context),
};
