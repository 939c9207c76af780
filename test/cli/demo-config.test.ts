/**
 * The demo's configuration keeps a bounded footprint on disk however long it runs: what
 * its retention lets the log and the store hold, at the rates the demo was measured at
 * (docs/operations.md#running-it), stays under a gigabyte.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../../src/cli/start.js';
import { loadConfig } from '../../src/config/index.js';
import { DEMO_GENERATOR_CATALOGUE } from '../../src/demo/generators/index.js';

/** Measured with the demo: bytes reaching the log, and the store, per minute. */
const LOG_BYTES_PER_MINUTE = 38 * 1024 ** 2;
const STORE_BYTES_PER_MINUTE = 4 * 1024 ** 2;
const STORE_WAL_BYTES = 16 * 1024 ** 2;

describe('the demo configuration', () => {
  it('holds at most ~0.6 GB on disk, however long it runs', async () => {
    const config = await loadConfig(DEMO_CONFIG, { env: {}, generators: DEMO_GENERATOR_CATALOGUE });
    const { log, store } = config;
    if (log.type !== 'embedded' || store.type !== 'embedded') throw new Error('the demo runs embedded');
    const partitions = Object.keys(config.sources).length + 2; // and the dead letters, the late events
    const { maxBytes, maxAgeMs } = log.retention;
    expect(maxBytes, 'log.retention.max_bytes').toBeDefined();
    // A partition holds at most its retention and the segment being written.
    const byBytes = partitions * (maxBytes! + log.segmentBytes);
    const byAge = (maxAgeMs! / 60_000) * LOG_BYTES_PER_MINUTE + partitions * log.segmentBytes;
    const storeBytes = (store.retentionMs! / 60_000) * STORE_BYTES_PER_MINUTE + STORE_WAL_BYTES;
    expect(Math.min(byBytes, byAge) + storeBytes).toBeLessThan(0.6 * 1024 ** 3);
  });
});
