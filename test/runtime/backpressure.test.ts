/**
 * A slow sink pauses its pipeline: the pipeline stops reading its topic while the sink's
 * buffer is full, so the backlog waits on disk in the log (as lag), not in memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedLog } from '../../src/connectors/log/index.js';
import type { Batch } from '../../src/engine/batch.js';
import { pipeline } from '../../src/engine/index.js';
import { systemClock } from '../../src/engine/time/clock.js';
import { LatencyTracker } from '../../src/runtime/latency-tracker.js';
import { PlatformMetrics } from '../../src/runtime/metrics.js';
import { PipelineTask } from '../../src/runtime/pipeline-task.js';
import type { SinkWriter } from '../../src/runtime/sinks.js';
import { openSeriesStore } from '../../src/store/index.js';

/** A sink that takes 50 ms per flush and remembers the most it ever held. */
class SlowSink implements SinkWriter {
  readonly name = 'slow';
  buffered = 0;
  written = 0;
  mostBuffered = 0;

  get pending(): number {
    return this.buffered;
  }

  write(batch: Batch<unknown>): void {
    this.buffered += batch.values.length;
    this.mostBuffered = Math.max(this.mostBuffered, this.buffered);
  }

  async flush(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.written += this.buffered;
    this.buffered = 0;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a pipeline with a slow sink', () => {
  it('stops reading while the sink is full, keeping memory bounded and the backlog in the log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-backpressure-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const log = await openEmbeddedLog({ dir: join(dir, 'log') });
    cleanups.push(() => log.close());
    const store = await openSeriesStore({ backend: 'pglite' });
    cleanups.push(() => store.close());

    const total = 100_000;
    for (let i = 0; i < total; i += 10_000) {
      const records = Array.from({ length: 10_000 }, (_, j) => ({
        value: Buffer.from(JSON.stringify({ n: i + j })),
      }));
      await log.append('numbers', records);
    }

    const sink = new SlowSink();
    const maxPendingRecords = 2_000;
    const batchSize = 500;
    const task = new PipelineTask({
      plan: pipeline('copy').source('numbers').sink('slow').build(),
      log,
      store,
      sinks: new Map([['slow', sink]]),
      deadLetterTopic: 'dead-letters',
      metrics: new PlatformMetrics(() => {}),
      latency: new LatencyTracker(),
      clock: systemClock,
      options: {
        batchSize,
        maxPendingRecords,
        checkpointIntervalMs: 60_000,
        flushIntervalMs: 60_000,
        tickIntervalMs: 50,
      },
      onError: () => {},
    });
    await task.start();
    cleanups.push(() => task.stop());
    await new Promise((resolve) => setTimeout(resolve, 500));

    const status = task.describe();
    // About ten 50 ms flushes of at most 2,500 records fit in half a second: far from all of it.
    expect(status.recordsIn).toBeLessThan(total / 2);
    expect(status.lag).toBe(total - status.recordsIn);
    // The buffer never held more than the bound plus the batch that crossed it.
    expect(sink.mostBuffered).toBeLessThanOrEqual(maxPendingRecords + batchSize);
    expect(sink.written + sink.buffered).toBe(status.recordsIn);
  });
});
