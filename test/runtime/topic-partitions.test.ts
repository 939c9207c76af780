/**
 * A topic keeps the partition count it was created with. When the configuration later gives
 * it another, the platform refuses to start, naming the topic, both counts, the pipelines
 * that read it and the ways out — it neither ignores the setting nor repartitions the topic.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { openEmbeddedLog } from '../../src/connectors/log/index.js';
import { TributaryError } from '../../src/errors.js';
import { platformOptions } from '../../src/runtime/from-config.js';
import { Platform } from '../../src/runtime/platform.js';

/** `log` and `source` are the YAML of the log block and of the clicks source's extra keys. */
const configuration = (dataDir: string, { log = '{}', source = '' } = {}) => `
data_dir: ${dataDir}
workers: 0
log: ${log}
sources:
  clicks: { type: http${source} }
  orders: { type: http }
pipelines:
  - name: clicks-per-user
    source: clicks
    steps:
      - key_by: user
      - window: { tumbling: 10s }
        aggregate: { clicks: count }
    sink: clicks-per-user
`;

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Starts the platform the configuration describes, runs `work` on it, stops it; what start() threw, if it threw. */
const start = async (yaml: string, work: (platform: Platform) => Promise<unknown> = async () => {}) => {
  const config = await parseConfig(yaml, { file: 'tributary.yaml', env: {} });
  const platform = new Platform({ ...platformOptions(config), onError: () => {} });
  const refusal = await platform.start().then(
    () => work(platform).then(() => undefined),
    (error: unknown) => error,
  );
  await platform.stop();
  return refusal;
};

const refusalOf = async (yaml: string): Promise<TributaryError> => {
  const refusal = await start(yaml);
  if (refusal instanceof TributaryError) return refusal;
  throw new Error(`expected the start to be refused, got ${String(refusal)}`);
};

const partitionsOnDisk = async (dataDir: string, topic: string) => {
  const log = await openEmbeddedLog({ dir: join(dataDir, 'log') });
  try {
    return log.partitions(topic);
  } finally {
    await log.close();
  }
};

describe('a configured partition count that differs from the topic on disk', () => {
  it('stops the start with the topic, both counts and the ways out, and leaves the topic as it was', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-topic-partitions-'));
    dirs.push(dataDir);
    const first = await start(configuration(dataDir), async (platform) => {
      await platform.ingest('clicks', [{ value: { user: 'ann', ts: 1_000 }, key: 'ann' }]);
      await platform.ingest('orders', [{ value: { customer: 'c1' } }]);
    });
    expect(first).toBeUndefined();
    expect(await partitionsOnDisk(dataDir, 'clicks')).toBe(1);

    const { code, message } = await refusalOf(configuration(dataDir, { source: ', partitions: 4' }));
    expect(code).toBe('TRB_LOG_BAD_CONFIG');
    expect(message).toContain('topic "clicks" has 1 partition on disk, but 4 configured');
    expect(message).toContain('`sources.clicks.partitions`, else `log.partitions`; read by clicks-per-user');
    expect(message).toContain('Configure 1 again');
    expect(message).toContain(`delete ${join(dataDir, 'log', 'clicks')} (its records are lost)`);
    expect(message).toContain('tributary reset --config FILE PIPELINE');
    // Only the topic that differs: orders keeps the count it is configured with.
    expect(message).not.toContain('"orders"');
    expect(await partitionsOnDisk(dataDir, 'clicks')).toBe(1);

    // log.partitions counts for every topic whose source does not say otherwise: each is named.
    const both = await refusalOf(configuration(dataDir, { log: '{ partitions: 2 }' }));
    expect(both.message).toContain('topic "clicks" has 1 partition on disk, but 2 configured');
    expect(both.message).toContain('topic "orders" has 1 partition on disk, but 2 configured');
    expect(both.message).toContain('no pipeline reads it');
    const ordersOnly = await refusalOf(
      configuration(dataDir, { log: '{ partitions: 2 }', source: ', partitions: 1' }),
    );
    expect(ordersOnly.message).toContain('topic "orders"');
    expect(ordersOnly.message).not.toContain('topic "clicks"');

    // The count on disk, configured again, starts.
    expect(await start(configuration(dataDir, { source: ', partitions: 1' }))).toBeUndefined();
    expect(await partitionsOnDisk(dataDir, 'clicks')).toBe(1);
  });
});
