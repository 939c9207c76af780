/**
 * The alert state writer against a real store (PostgreSQL on this machine): a change the
 * store refuses for its data is dropped alone, reported, and never holds back the changes
 * written with it or after it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertChanges } from '../../src/alerts/persistence/alert-persistence.js';
import { AlertStore } from '../../src/alerts/persistence/alert-store.js';
import { StateWriter } from '../../src/alerts/state-writer.js';
import type { Silence } from '../../src/contract/index.js';
import { postgresServer } from '../store/backends.js';
import { ManualClock } from './helpers.js';

const T0 = 1_700_000_000_000;
const silence = (id: string, endsAt: number): Silence => ({
  id,
  matchers: [{ name: 'alertname', type: '=', value: 'x' }],
  startsAt: T0,
  endsAt,
  createdBy: 'test',
  comment: '',
});

describe('the alert state writer', () => {
  const database = postgresServer();
  afterAll(() => database.cleanup());

  it('drops the one change the store refuses and writes the others, then and after', async () => {
    const backend = await database.open();
    const store = await AlertStore.open(backend, { schema: database.schema });
    const failed: unknown[] = [];
    const refused: AlertChanges[] = [];
    const writer = new StateWriter(
      store,
      new ManualClock(T0),
      (error) => failed.push(error),
      (_error, change) => refused.push(change),
    );
    try {
      // 1e308 is no bigint: PostgreSQL refuses the row, and with it the batch's transaction.
      writer.changes.silence(silence('before', T0 + 60_000));
      writer.changes.silence(silence('poisoned', 1e308));
      writer.changes.silence(silence('after', T0 + 120_000));
      writer.changes.transition({
        fingerprint: 'f',
        rule: 'x',
        labels: { alertname: 'x' },
        from: 'inactive',
        to: 'firing',
        at: T0,
        value: 1,
      });
      writer.flush();
      await writer.settled();
      expect(refused.map((c) => c.silences.map((s) => s.id))).toEqual([['poisoned']]);
      expect(failed).toEqual([]);
      expect((await store.load()).silences.map((s) => s.id)).toEqual(['after', 'before']);
      expect((await store.transitions()).map((t) => t.fingerprint)).toEqual(['f']);

      // The next batch goes in whole, at once.
      writer.changes.silence(silence('later', T0 + 180_000));
      writer.flush();
      await writer.settled();
      expect((await store.load()).silences.map((s) => s.id)).toEqual(['after', 'before', 'later']);
    } finally {
      await store.close();
      await backend.close();
    }
  });
});
