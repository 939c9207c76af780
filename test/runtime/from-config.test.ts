/**
 * A configuration file's partitions reach the platform: `partitions: 4` on a source and a
 * `partitioned: true` key_by run the pipeline as 4 tasks, one per partition of the source's
 * topic, and store exactly what it stores with one partition.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { partitionForKey } from '../../src/connectors/log/partitioner.js';
import type { SeriesPoint } from '../../src/contract/index.js';
import { platformOptions } from '../../src/runtime/from-config.js';
import { Platform } from '../../src/runtime/platform.js';

const configuration = (dataDir: string, partitions: number) => `
data_dir: ${dataDir}
workers: 0
checkpoint: { interval: 100ms }
sources:
  clicks: { type: http, partitions: ${partitions} }
pipelines:
  - name: clicks-per-user
    source: clicks
    time: ts
    steps:
      - key_by: user
        partitioned: true
      - window: { tumbling: 10s }
        aggregate: { clicks: count, spend: { sum: amount } }
    sink: clicks-per-user
`;

const USERS = Array.from({ length: 12 }, (_, i) => `user-${i}`);

/** Clicks of every user over a minute of event time, keyed by user as the pipeline keys them. */
const CLICKS = Array.from({ length: 120 }, (_, i) => ({
  user: USERS[(i * 7) % USERS.length],
  ts: i * 500,
  amount: (i % 5) + 1,
}));

/** A key in each of 4 partitions (and so in the only one of 1): their late records close every window. */
const FLUSH_KEYS = Array.from({ length: 4 }, (_, p) => {
  for (let i = 0; ; i++) if (partitionForKey(`flush-${i}`, 4) === p) return `flush-${i}`;
});

const dirs: string[] = [];
const platforms: Platform[] = [];
afterEach(async () => {
  for (const platform of platforms.splice(0)) await platform.stop().catch(() => {});
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const until = async (check: () => boolean | Promise<boolean>, what: string): Promise<void> => {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Runs the configuration over the clicks; its tasks and the windows it stored. */
const run = async (partitions: number) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-from-config-'));
  dirs.push(dataDir);
  const config = await parseConfig(configuration(dataDir, partitions), { file: 'tributary.yaml', env: {} });
  const platform = new Platform({ ...platformOptions(config), onError: () => {} });
  platforms.push(platform);
  await platform.start();
  await platform.ingest(
    'clicks',
    CLICKS.map((value) => ({ value, key: value.user })),
  );
  await platform.ingest(
    'clicks',
    FLUSH_KEYS.map((user) => ({ value: { user, ts: 120_000, amount: 0 }, key: user })),
  );
  const stored = async (): Promise<SeriesPoint[]> =>
    (await platform.querySeries('clicks-per-user', { from: 0, to: 200_000 })).filter(
      (p) => !p.key.startsWith('flush-'),
    );
  // Six windows of 10 s, every user in each.
  await until(async () => (await stored()).length === 6 * USERS.length, 'every window to be stored');
  const tasks = [...platform.assignment().keys()].sort();
  const result = {
    tasks,
    stored: await stored(),
    deadLetters: platform.pipeline('clicks-per-user')!.deadLetters,
  };
  await platform.stop();
  return result;
};

describe('partitions from the configuration file', () => {
  it('runs a partitioned pipeline as one task per partition of its source, with the results of one partition', async () => {
    const four = await run(4);
    expect(four.tasks).toEqual(['0', '1', '2', '3'].map((task) => `clicks-per-user#${task}`));
    const one = await run(1);
    // One partition needs no split: one task reads it.
    expect(one.tasks).toEqual(['clicks-per-user#all']);

    const byWindow = (points: SeriesPoint[]) =>
      [...points].sort((a, b) => a.start - b.start || a.key.localeCompare(b.key));
    expect(byWindow(four.stored)).toEqual(byWindow(one.stored));
    expect(four.stored.reduce((sum, p) => sum + Number(p.values.clicks), 0)).toBe(CLICKS.length);
    // Every user's clicks were in the partition of its key: none was refused.
    expect([four.deadLetters, one.deadLetters]).toEqual([0, 0]);
  });
});
