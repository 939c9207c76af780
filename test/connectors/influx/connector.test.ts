// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} references in configuration text are what these tests are about
/** The influx block of a configuration: its defaults, and what a user reads when it is wrong. */
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, parseConfig } from '../../../src/config/index.js';
import type { InfluxSinkSpec } from '../../../src/connectors/influx/write-endpoint.js';

const load = (sinks: string, env: Record<string, string> = {}) =>
  parseConfig(`sources:\n  clicks: { type: http }\nsinks:\n${sinks}`, {
    file: 'pipelines.yaml',
    env,
    cwd: '/tmp',
  });

const messagesOf = async (sinks: string): Promise<string[]> => {
  try {
    await load(sinks);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error('the configuration loaded');
};

describe('an influx sink in the configuration', () => {
  it('defaults to InfluxDB 1.x on this machine, the sink name as measurement, the key as tag', async () => {
    const config = await load('  web-clicks: { type: influx }\n');
    expect(config.sinks['web-clicks']).toEqual({
      type: 'influx',
      url: 'http://127.0.0.1:8086',
      api: { version: 1, database: 'tributary' },
      shape: { measurement: 'web-clicks', tags: ['key'], integerFields: [] },
      batchSize: 5000,
      flushIntervalMs: 1_000,
      maxRetries: 5,
      timeoutMs: 10_000,
    } satisfies InfluxSinkSpec);
  });

  it('writes to the InfluxDB 2 API with token, org and bucket, from the environment', async () => {
    const config = await load(
      '  out: { type: influx, url: "${INFLUX_URL:-http://127.0.0.1:8086}", token: "${INFLUX_TOKEN}", org: acme, bucket: web }\n',
      { INFLUX_TOKEN: 't0ken' },
    );
    expect(config.sinks.out).toMatchObject({
      url: 'http://127.0.0.1:8086',
      api: { version: 2, token: 't0ken', org: 'acme', bucket: 'web' },
    });
  });

  it('says what to fix when the options do not fit together', async () => {
    expect(
      await messagesOf(`  a: { type: influx, token: t, database: db }
  b: { type: influx, username: me }
  c: { type: influx, url: "ftp://host", tags: [key, n], integer_fields: [n], timeout: 0 }
  d: { type: influx, batch_size: 0 }
`),
    ).toEqual([
      'pipelines.yaml:4: sinks.a.org: the InfluxDB 2 API needs token, org and bucket; token given: add org',
      'pipelines.yaml:4: sinks.a.bucket: the InfluxDB 2 API needs token, org and bucket; token given: add bucket',
      'pipelines.yaml:4: sinks.a.database: is for InfluxDB 1.x; with token the sink writes to InfluxDB 2: remove it',
      'pipelines.yaml:5: sinks.b.username: needs password too (HTTP basic auth): add password',
      'pipelines.yaml:6: sinks.c.url: is not an http:// or https:// URL; use e.g. http://127.0.0.1:8086',
      'pipelines.yaml:6: sinks.c.integer_fields: "n" is a tag, and tags are strings: remove it from tags or from integer_fields',
      'pipelines.yaml:6: sinks.c.timeout: must be longer than 0; e.g. 10s',
      'pipelines.yaml:7: sinks.d.batch_size: must be at least 1, got 0',
    ]);
  });
});
