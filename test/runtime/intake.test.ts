import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GeneratorCatalogue } from '../../src/connectors/generator/index.js';
import { type EmbeddedLog, openEmbeddedLog } from '../../src/connectors/log/index.js';
import { systemClock } from '../../src/engine/time/clock.js';
import { Intake, type SourceSpec } from '../../src/runtime/intake.js';
import { PlatformMetrics } from '../../src/runtime/metrics.js';

let dir: string;
let log: EmbeddedLog;
let intake: Intake | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-intake-'));
  log = await openEmbeddedLog({ dir: join(dir, 'log') });
});

afterEach(async () => {
  await intake?.stop(() => {});
  intake = undefined;
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const ticks: GeneratorCatalogue = new Map([
  [
    'ticks',
    () => {
      let n = 0;
      return { name: 'ticks', next: () => ({ value: { n: n++ } }), malformed: () => ({ value: null }) };
    },
  ],
]);

const open = (sources: Record<string, SourceSpec>) =>
  (intake = new Intake(log, sources, new PlatformMetrics(() => {}), systemClock));

// Intake knows no kinds of source: each source's connector makes its ingestor, or none.
describe('intake', () => {
  it('starts the ingestor each source’s connector makes, with the generators it is given', async () => {
    const running = open({
      gen: { type: 'generator', generator: 'ticks', rate: 1000 },
      orders: { type: 'http' },
    });
    await running.start({ dataDir: dir, generators: ticks });
    const deadline = Date.now() + 5_000;
    while (log.endOffset('gen', 0) === 0 && Date.now() < deadline) await sleep(10);
    expect(log.endOffset('gen', 0)).toBeGreaterThan(0);
    expect(running.activeSources()).toBe(1);
  });

  it('refuses a generator source when it was given no such generator', async () => {
    await expect(
      open({ gen: { type: 'generator', generator: 'ticks', rate: 10 } }).start({ dataDir: dir }),
    ).rejects.toMatchObject({ code: 'TRB_INGEST_BAD_CONFIG' });
  });
});
