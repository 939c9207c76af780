import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGeneratorIngestor, seededRandom } from '../../../src/connectors/generator/index.js';
import type { Appender } from '../../../src/connectors/ingestor.js';
import { type EmbeddedLog, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import type { AppendRecord } from '../../../src/connectors/log/record-format.js';
import { createDemoGenerator } from '../../../src/demo/generators/index.js';

let dir: string;
let log: EmbeddedLog;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-generator-'));
  log = await openEmbeddedLog({ dir });
});

afterEach(async () => {
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const readValues = async (topic: string): Promise<unknown[]> => {
  const values: unknown[] = [];
  for (let offset = 0; ; ) {
    const { records, nextOffset } = await log.read(topic, 0, offset);
    if (records.length === 0) return values;
    for (const record of records) values.push(JSON.parse(record.value.toString('utf8')));
    offset = nextOffset;
  }
};

/** The real log, with a record of every append: its size, and how many were in flight at once. */
const observed = (inner: Appender, delay: (call: number) => number = () => 0) => {
  const batches: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const appender: Appender = {
    async append(topic: string, records: readonly AppendRecord[]) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const wait = delay(batches.length);
        batches.push(records.length);
        if (wait > 0) await sleep(wait);
        return await inner.append(topic, records);
      } finally {
        inFlight--;
      }
    },
  };
  return { appender, batches, maxInFlight: () => maxInFlight };
};

/** Runs a generator for about `ms` and returns how long it really ran. */
const runFor = async (
  ingestor: { start(): Promise<void>; stop(): Promise<void> },
  ms: number,
): Promise<number> => {
  const started = performance.now();
  await ingestor.start();
  await sleep(ms);
  await ingestor.stop();
  return performance.now() - started;
};

describe('the generator ingestor', () => {
  it('holds its rate on average, in one append per tick rather than one per event', async () => {
    const { appender, batches } = observed(log);
    const clicks = createGeneratorIngestor(
      {
        name: 'clicks',
        generator: createDemoGenerator('clicks'),
        ratePerSecond: 1_000,
        malformedFraction: 0,
      },
      appender,
    );
    const elapsed = await runFor(clicks, 2_000);

    const expected = elapsed; // 1,000 per second is one per millisecond
    const { events } = clicks.stats();
    // The first batch comes one interval after start; timers on a busy machine run late, not early.
    expect(events).toBeGreaterThan(expected * 0.8);
    expect(events).toBeLessThanOrEqual(expected * 1.05);
    expect(await log.endOffset('clicks', 0)).toBe(events);
    // ~40 ticks of 50 ms, each a batch of ~50 events.
    expect(batches.length).toBeLessThan(events / 10);
    expect(batches.length).toBeGreaterThan(10);
  });

  it('carries fractional events over, so a rate below one per tick is still met', async () => {
    // 30 events/s with a 50 ms tick is 1.5 events per tick.
    const slow = createGeneratorIngestor(
      {
        name: 'ticks',
        generator: createDemoGenerator('stock-ticks'),
        ratePerSecond: 30,
        malformedFraction: 0,
      },
      log,
    );
    const elapsed = await runFor(slow, 2_000);
    const expected = (30 * elapsed) / 1000;
    expect(slow.stats().events).toBeGreaterThan(expected * 0.8);
    expect(slow.stats().events).toBeLessThanOrEqual(expected * 1.05 + 1);
  });

  it('writes well-formed JSON objects with an event time near now, keyed', async () => {
    const clicks = createGeneratorIngestor(
      {
        name: 'clicks',
        generator: createDemoGenerator('clicks'),
        ratePerSecond: 2_000,
        malformedFraction: 0,
      },
      log,
    );
    const before = Date.now();
    await runFor(clicks, 500);
    const after = Date.now();
    const generator = createDemoGenerator('clicks');
    const values = await readValues('clicks');
    expect(values.length).toBeGreaterThan(500);
    for (const value of values) {
      expect(generator.validate(value)).toBe(true);
      const { ts } = value as { ts: number };
      expect(ts).toBeGreaterThanOrEqual(before - 7_000);
      expect(ts).toBeLessThanOrEqual(after);
    }
    // Out of order, as real arrivals are: some event times go backwards.
    const times = values.map((v) => (v as { ts: number }).ts);
    expect(times.some((t, i) => i > 0 && t < times[i - 1])).toBe(true);
    const { records } = await log.read('clicks', 0, 0, { maxRecords: 10 });
    for (const record of records) expect(record.key).toBe(JSON.parse(record.value.toString()).user);
  });

  it('makes the configured share of events malformed, and counts them', async () => {
    const logins = createGeneratorIngestor(
      {
        name: 'logins',
        generator: createDemoGenerator('logins', { random: seededRandom(1) }),
        ratePerSecond: 10_000,
        malformedFraction: 0.05,
        random: seededRandom(2),
      },
      log,
    );
    await runFor(logins, 800);
    const values = await readValues('logins');
    const validate = createDemoGenerator('logins').validate;
    const malformed = values.filter((value) => validate(value) !== true);
    expect(values.length).toBeGreaterThan(2_000);
    expect(malformed.length).toBe(logins.stats().malformed);
    expect(malformed.length / values.length).toBeGreaterThan(0.03);
    expect(malformed.length / values.length).toBeLessThan(0.07);
  });

  it('defaults to about 0.1% malformed', async () => {
    const ticks = createGeneratorIngestor(
      {
        name: 'ticks',
        generator: createDemoGenerator('stock-ticks'),
        ratePerSecond: 50_000,
        random: seededRandom(3),
      },
      log,
    );
    await runFor(ticks, 600);
    const { events, malformed } = ticks.stats();
    expect(events).toBeGreaterThan(10_000);
    expect(malformed).toBeGreaterThan(0);
    expect(malformed / events).toBeLessThan(0.003);
  });

  it('waits for each append: a slow log slows it, one batch in flight, batches bounded', async () => {
    const { appender, batches, maxInFlight } = observed(log, () => 150);
    const slow = createGeneratorIngestor(
      {
        name: 'clicks',
        generator: createDemoGenerator('clicks'),
        ratePerSecond: 1_000,
        intervalMs: 50,
        maxCatchUpMs: 1_000,
      },
      appender,
    );
    const elapsed = await runFor(slow, 1_500);
    expect(maxInFlight()).toBe(1);
    // Each append takes 150 ms, so about 10 batches, each making up for the time it waited.
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(elapsed / 150) + 1);
    for (const size of batches) expect(size).toBeLessThanOrEqual(1_050);
    expect(slow.stats().events).toBeGreaterThan(elapsed * 0.6);
  });

  it('makes up for a stall only up to maxCatchUpMs', async () => {
    const { appender, batches } = observed(log, (call) => (call === 3 ? 1_000 : 0));
    const stalled = createGeneratorIngestor(
      { name: 'clicks', generator: createDemoGenerator('clicks'), ratePerSecond: 1_000, maxCatchUpMs: 200 },
      appender,
    );
    const elapsed = await runFor(stalled, 1_800);
    // The batch after the stall stands for at most one tick plus 200 ms, not the whole second.
    expect(Math.max(...batches)).toBeLessThanOrEqual(250);
    expect(stalled.stats().events).toBeLessThan(elapsed - 600);
  });

  it('keeps running when an append fails, and reports it', async () => {
    let failing = true;
    const flaky: Appender = {
      append: (topic, records) =>
        failing ? Promise.reject(new Error('disk full')) : log.append(topic, records),
    };
    const clicks = createGeneratorIngestor(
      { name: 'clicks', generator: createDemoGenerator('clicks'), ratePerSecond: 500 },
      flaky,
    );
    await clicks.start();
    await sleep(200);
    expect(clicks.stats()).toMatchObject({ events: 0, active: true });
    expect(clicks.stats().lastError).toContain('disk full');
    failing = false;
    await sleep(200);
    await clicks.stop();
    expect(clicks.stats().events).toBeGreaterThan(0);
    expect(clicks.stats().lastError).toBeUndefined();
    expect(clicks.stats().active).toBe(false);
  });

  it('stops and starts again', async () => {
    const clicks = createGeneratorIngestor(
      { name: 'clicks', generator: createDemoGenerator('clicks'), ratePerSecond: 1_000 },
      log,
    );
    await runFor(clicks, 200);
    const first = clicks.stats().events;
    await sleep(200);
    expect(clicks.stats().events).toBe(first);
    await runFor(clicks, 200);
    expect(clicks.stats().events).toBeGreaterThan(first);
    expect(await log.endOffset('clicks', 0)).toBe(clicks.stats().events);
  });

  it.each([
    [{ ratePerSecond: -1 }, 'ratePerSecond'],
    [{ ratePerSecond: 10, malformedFraction: 2 }, 'malformedFraction'],
    [{ ratePerSecond: 10, intervalMs: 0 }, 'intervalMs'],
    [{ ratePerSecond: 10, maxBatch: 1.5 }, 'maxBatch'],
  ])('rejects bad options %o, naming the field', (bad, field) => {
    expect(() =>
      createGeneratorIngestor({ name: 'g', generator: createDemoGenerator('clicks'), ...bad } as never, log),
    ).toThrow(
      expect.objectContaining({ code: 'TRB_INGEST_BAD_CONFIG', message: expect.stringContaining(field) }),
    );
  });
});
