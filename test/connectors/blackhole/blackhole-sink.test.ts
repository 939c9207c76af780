import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { BlackholeSink } from '../../../src/connectors/blackhole/blackhole-sink.js';
import { pipeline } from '../../../src/engine/index.js';
import { Platform } from '../../../src/runtime/platform.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the blackhole sink', () => {
  it('takes every record and keeps none; the pipeline still counts them out', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-blackhole-'));
    dirs.push(dataDir);
    const platform = new Platform({
      dataDir,
      store: { type: 'embedded' },
      sources: { readings: { type: 'http' } },
      sinks: { nowhere: { type: 'blackhole' } },
      pipelines: [
        pipeline('doubled')
          .source<{ v: number }>('readings')
          .map((r) => ({ v: r.v * 2 }))
          .sink('nowhere')
          .build(),
      ],
      workers: 0,
      pipelineTasks: { reportIntervalMs: 20, flushIntervalMs: 20 },
      onError: () => {},
    });
    await platform.start();
    try {
      await platform.ingest('readings', [{ value: { v: 1 } }, { value: { v: 2 } }, { value: { v: 3 } }]);
      const deadline = Date.now() + 10_000;
      while (platform.pipelines()[0].recordsOut < 3 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(platform.pipelines()[0]).toMatchObject({ recordsIn: 3, recordsOut: 3, deadLetters: 0 });
      expect(await platform.listSeries()).toEqual([]);
    } finally {
      await platform.stop();
    }
  });

  it('is a sink type of the configuration, with nothing to set', async () => {
    const config = await parseConfig('sinks:\n  nowhere: { type: blackhole }\n', { env: {} });
    expect(config.sinks.nowhere).toEqual({ type: 'blackhole' });
    await expect(
      parseConfig('sinks:\n  nowhere: { type: blackhole, topic: x }\n', { env: {} }),
    ).rejects.toThrow(/sinks\.nowhere.*topic/);
    const sink = new BlackholeSink('nowhere');
    sink.write({ values: [1, 2], timestamps: [0, 0] } as never);
    expect(sink.taken).toBe(2);
    expect(sink.guarantee).toBe('exactly-once');
  });
});
