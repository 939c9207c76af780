// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} references in configuration text are what these tests are about
/**
 * A pipeline from a configuration file whose window results go to a real InfluxDB 1.6 (one
 * this file starts, test/influx.ts): counts per user land as points, a result InfluxDB
 * refuses is a dead letter of the pipeline while the others land, and results that come
 * while influxd is stopped land once it is started again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { platformOptions } from '../../../src/runtime/from-config.js';
import { Platform } from '../../../src/runtime/platform.js';
import { INFLUX_PASSWORD, type InfluxServer, startInflux } from '../../influx.js';

/** 2020-01-01T00:00:00Z: a week (a shard) of its own. */
const JAN_2020 = 1_577_836_800_000;

describe('a pipeline with an influx sink', () => {
  let influx: InfluxServer;
  const cleanup: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    influx = await startInflux();
    cleanup.push(() => influx.close());
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it('writes the count per user and window as points, dead-letters the one InfluxDB refuses, and outlasts an outage', async () => {
    await influx.query('CREATE DATABASE web');
    // In the shard of the first week of 2020, clicks is a string: a count there is refused.
    await influx.write('web', `clicks,key=old clicks="many" ${JAN_2020}`);
    const dir = await mkdtemp(join(tmpdir(), 'tributary-influx-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'tributary.yaml');
    await writeFile(
      file,
      `
data_dir: ${join(dir, 'data')}
workers: 0
sources:
  clicks: { type: http }
sinks:
  clicks:
    type: influx
    url: "\${INFLUX_URL:-http://127.0.0.1:8086}"
    database: web
    username: tributary
    password: "\${INFLUX_PASSWORD}"
    integer_fields: [clicks]
    flush_interval: 100ms
    max_retries: 2
pipelines:
  - name: clicks-per-user
    source: clicks
    time: ts
    steps:
      - key_by: user
      - window: { tumbling: 1s }
        aggregate: { clicks: count }
    sink: clicks
`,
    );
    const config = await loadConfig(file, { env: { INFLUX_URL: influx.url, INFLUX_PASSWORD } });
    const platform = new Platform(platformOptions(config));
    await platform.start();
    cleanup.push(() => platform.stop());
    // Two windows of u1 and one of u2 in 1970; u3's window in 2020 is refused; the last
    // click closes them all.
    await platform.ingest(
      'clicks',
      [
        { user: 'u1', ts: 100 },
        { user: 'u2', ts: 200 },
        { user: 'u1', ts: 300 },
        { user: 'u1', ts: 1_100 },
        { user: 'u3', ts: JAN_2020 + 500 },
        { user: 'u4', ts: JAN_2020 + 60_000 },
      ].map((value) => ({ value })),
    );
    const query = 'SELECT "key", clicks FROM clicks WHERE time < 1000s';
    await expect.poll(async () => (await influx.select('web', query)).length, { timeout: 20_000 }).toBe(3);
    const rows = await influx.select('web', query);
    expect(
      rows
        .map((r) => [r.time, r.key, r.clicks])
        .sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[1]).localeCompare(String(b[1]))),
    ).toEqual([
      [1_000, 'u1', 2],
      [1_000, 'u2', 1],
      [2_000, 'u1', 1],
    ]);
    // A field's type is per shard: integer where the sink wrote first, string in 2020's.
    expect(await influx.select('web', 'SHOW FIELD KEYS FROM clicks')).toEqual([
      { fieldKey: 'clicks', fieldType: 'integer' },
      { fieldKey: 'clicks', fieldType: 'string' },
    ]);

    await expect.poll(() => platform.pipeline('clicks-per-user')?.deadLetters, { timeout: 20_000 }).toBe(1);
    const [letter] = platform.deadLetters('clicks-per-user', 10);
    expect(letter).toMatchObject({
      operator: 'clicks',
      key: 'u3',
      value: { key: 'u3', start: JAN_2020, end: JAN_2020 + 1_000, clicks: 1 },
      error: { code: 'TRB_INFLUX_REFUSED' },
    });
    expect(letter.error?.message).toContain(
      'InfluxDB refused the point: partial write: field type conflict: input field "clicks" on measurement "clicks" is type integer, already exists as type string',
    );

    // InfluxDB goes away while results come: the task keeps them and writes them once it is
    // back (u4's window, closed now too, lands in 2020's shard and is refused then).
    await influx.stop();
    const later = JAN_2020 + 14 * 86_400_000;
    await platform.ingest(
      'clicks',
      [
        { user: 'u5', ts: later + 100 },
        { user: 'u5', ts: later + 200 },
        { user: 'u6', ts: later + 5_000 },
      ].map((value) => ({ value })),
    );
    await expect
      .poll(() => platform.pipeline('clicks-per-user')?.error, { timeout: 20_000 })
      .toContain(`points to InfluxDB at ${influx.url}/ failed: InfluxDB cannot be reached`);
    await influx.start();
    await expect
      .poll(() => influx.select('web', `SELECT "key", clicks FROM clicks WHERE time >= ${later}ms`), {
        timeout: 30_000,
      })
      .toEqual([{ time: later + 1_000, key: 'u5', clicks: 2 }]);
  });
});
