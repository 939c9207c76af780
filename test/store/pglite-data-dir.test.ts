import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSeriesStore } from '../../src/store/index.js';

// The embedded store is what `npm start` keeps its results in: they must outlive the process.
describe('the embedded store in a data directory', () => {
  const parent = mkdtempSync(join(tmpdir(), 'tributary-store-'));

  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('finds its results and checkpoints again after close and reopen', async () => {
    const dataDir = join(parent, 'store');
    const first = await openSeriesStore({ backend: 'pglite', dataDir });
    await first.commit({
      upserts: [{ series: 'clicks', results: [{ key: 'home', start: 0, end: 60_000, count: 3 }] }],
      checkpoints: { clicks: { offset: 17 } },
    });
    await first.close();

    const second = await openSeriesStore({ backend: 'pglite', dataDir });
    try {
      expect(await second.query('clicks', { from: 0, to: 60_000 })).toEqual([
        { key: 'home', start: 0, end: 60_000, values: { count: 3 } },
      ]);
      expect(await second.loadCheckpoint('clicks')).toEqual({ offset: 17 });
      expect(second.backend).toEqual({ kind: 'pglite', location: `PGlite in ${dataDir}` });
    } finally {
      await second.close();
    }
  });

  it('says which directory it cannot open', async () => {
    const notADirectory = join(parent, 'a-file');
    writeFileSync(notADirectory, 'not a database');

    const opening = openSeriesStore({ backend: 'pglite', dataDir: notADirectory });

    await expect(opening).rejects.toMatchObject({ code: 'TRB_STORE_UNREACHABLE', domain: 'external' });
    await expect(opening).rejects.toThrow(notADirectory);
  });
});
