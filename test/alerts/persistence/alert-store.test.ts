import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertEngine, type AlertingDocument, type RuleDocument } from '../../../src/alerts/index.js';
import { AlertStore } from '../../../src/alerts/persistence/alert-store.js';
import type { AlertSnapshot } from '../../../src/contract/index.js';
import type { SqlBackend } from '../../../src/store/backend.js';
import { openSeriesStore } from '../../../src/store/index.js';
import { openPgliteBackend } from '../../../src/store/pglite-backend.js';
import { openPostgresBackend } from '../../../src/store/postgres-backend.js';
import { fastSleep, HttpReceiver, ManualClock, obs } from '../helpers.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runId = `${process.pid}_${Date.now().toString(36)}`;
let schemas = 0;

/** A database that can be closed and opened again, as across a restart. */
interface Database {
  readonly schema: string;
  open(): Promise<SqlBackend>;
  cleanup(): Promise<void>;
}

/** One data directory for the file (a new one costs an initdb), a schema per test. */
let pgliteDir: Promise<string> | undefined;
const pgliteDirectory = async (): Promise<Database> => {
  pgliteDir ??= mkdtemp(join(tmpdir(), 'tributary-alerts-'));
  const dir = await pgliteDir;
  return {
    schema: `alerts_test_${schemas++}`,
    open: () => openPgliteBackend(dir),
    cleanup: async () => {},
  };
};

afterAll(async () => {
  if (pgliteDir) await rm(await pgliteDir, { recursive: true, force: true });
});

const postgresSchema = async (): Promise<Database> => {
  const schema = `alerts_test_${runId}_${schemas++}`;
  return {
    schema,
    open: () => openPostgresBackend({ url: DATABASE_URL }),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
};

const databases: [string, () => Promise<Database>][] = [
  ['PGlite (a data directory)', pgliteDirectory],
  ['PostgreSQL (DATABASE_URL, a schema of its own)', postgresSchema],
];

const T0 = Date.UTC(2025, 0, 1);
const S = 1_000;

describe.each(databases)('alert store on %s', (_name, database) => {
  let db: Database;
  let backend: SqlBackend;
  let store: AlertStore;

  beforeAll(async () => {
    db = await database();
    backend = await db.open();
    store = await AlertStore.open(backend, { schema: db.schema });
  });

  afterAll(async () => {
    await store?.close();
    await backend?.close();
    await db?.cleanup();
  });

  const snapshot = (fingerprint: string, state: AlertSnapshot['state']): AlertSnapshot => ({
    fingerprint,
    rule: 'cpu-high',
    labels: { alertname: 'cpu-high', key: fingerprint, severity: 'warning' },
    state,
    activeAt: T0,
    firedAt: T0 + 1,
    value: 91.5,
    threshold: 80,
    observedAt: T0,
  });

  it('writes a batch of changes in one go and loads the state back', async () => {
    await store.write({
      alerts: [
        snapshot('a', 'firing'),
        snapshot('b', 'pending'),
        { ...snapshot('c', 'firing'), value: Number.NaN },
      ],
      forgotten: [],
      transitions: [1, 2, 3].map((i) => ({
        fingerprint: i === 3 ? 'b' : 'a',
        rule: i === 2 ? 'other' : 'cpu-high',
        labels: { alertname: 'cpu-high' },
        from: 'inactive' as const,
        to: 'firing' as const,
        at: T0 + i * S,
        value: i,
      })),
      notifications: [
        {
          receiver: 'ops',
          integration: 'webhook',
          groupKey: 'g',
          status: 'firing',
          fingerprints: ['a', 'b'],
          at: T0,
          ok: true,
          attempts: 2,
        },
        {
          receiver: 'ops',
          integration: 'email',
          groupKey: 'g',
          status: 'firing',
          fingerprints: ['c'],
          at: T0 + S,
          ok: false,
          attempts: 5,
          error: 'refused',
        },
      ],
      log: [{ receiver: 'ops/0', groupKey: 'g', firing: ['a', 'b'], resolved: [], at: T0 }],
      silences: [
        {
          id: 's1',
          matchers: [{ name: 'key', type: '=~', value: 'db-.*' }],
          startsAt: T0,
          endsAt: T0 + 3600 * S,
          createdBy: 'ana',
          comment: '',
        },
      ],
      silencesForgotten: [],
      rules: [
        {
          name: 'disk-full',
          document: { name: 'disk-full', type: 'threshold', series: 'host', field: 'disk', threshold: 90 },
        },
        { name: 'cpu-high', document: null },
      ],
    });
    await store.write({
      alerts: [{ ...snapshot('a', 'resolved'), resolvedAt: T0 + 9 }],
      forgotten: ['b'],
      transitions: [],
      notifications: [],
      log: [{ receiver: 'ops/0', groupKey: 'g', firing: ['a'], resolved: ['b'], at: T0 + 5 }],
      silences: [],
      silencesForgotten: [],
      rules: [
        {
          name: 'disk-full',
          document: { name: 'disk-full', type: 'threshold', series: 'host', field: 'disk', threshold: 95 },
        },
      ],
    });

    const loaded = await store.load();
    expect(loaded.rules).toEqual([
      { name: 'cpu-high', document: null },
      {
        name: 'disk-full',
        document: { name: 'disk-full', type: 'threshold', series: 'host', field: 'disk', threshold: 95 },
      },
    ]);
    expect(loaded.alerts).toEqual([
      { ...snapshot('a', 'resolved'), resolvedAt: T0 + 9 },
      { ...snapshot('c', 'firing'), value: Number.NaN },
    ]);
    expect(loaded.log).toEqual([
      { receiver: 'ops/0', groupKey: 'g', firing: ['a'], resolved: ['b'], at: T0 + 5 },
    ]);
    expect(loaded.silences.map((s) => [s.id, s.matchers[0].value])).toEqual([['s1', 'db-.*']]);

    expect((await store.transitions()).map((t) => t.value)).toEqual([3, 2, 1]);
    expect((await store.transitions({ fingerprint: 'a' })).map((t) => t.value)).toEqual([2, 1]);
    expect((await store.transitions({ rule: 'cpu-high', limit: 1 })).map((t) => t.value)).toEqual([3]);
    expect((await store.transitions({ from: T0 + 2 * S, to: T0 + 2 * S })).map((t) => t.value)).toEqual([2]);
    expect(
      (await store.notifications({ fingerprint: 'c' })).map((n) => [n.integration, n.ok, n.error]),
    ).toEqual([['email', false, 'refused']]);
    expect(await store.applyRetention({ now: T0 + 2500, maxAgeMs: 1000 })).toBe(3);
    expect((await store.transitions()).map((t) => t.value)).toEqual([3, 2]);
  });

  it('opens again on the same tables (migrations are idempotent)', async () => {
    const again = await AlertStore.open(backend, { schema: db.schema });
    expect((await again.load()).alerts).toHaveLength(2);
  });
});

const cpu: RuleDocument = {
  name: 'cpu-high',
  type: 'threshold',
  series: 'host',
  field: 'cpu',
  threshold: 80,
  severity: 'critical',
};

describe.each(databases)('a restart on %s', (_name, database) => {
  let db: Database;
  let hook: HttpReceiver;
  let open: { backend: SqlBackend; store: AlertStore; engine: AlertEngine } | undefined;
  const clock = new ManualClock(T0);

  beforeEach(async () => {
    db = await database();
    hook = await HttpReceiver.start();
    clock.set(T0);
  });

  afterEach(async () => {
    await stop();
    await hook.stop();
    await db.cleanup();
  });

  const config = (rules: RuleDocument[] = [cpu]): AlertingDocument => ({
    rules,
    receivers: [
      { name: 'ops', webhook_configs: [{ url: hook.url, retry: { attempts: 2, backoff: '10ms' } }] },
    ],
    route: { receiver: 'ops', group_wait: '5s', group_interval: '1m', repeat_interval: '1h' },
  });

  /** Starts the platform's alerting on the database: a fresh backend, store and engine. */
  const start = async (rules?: RuleDocument[]) => {
    const backend = await db.open();
    const store = await AlertStore.open(backend, { schema: db.schema });
    const engine = await AlertEngine.open({
      clock,
      config: config(rules),
      persistence: store,
      sleep: fastSleep,
    });
    open = { backend, store, engine };
    return engine;
  };

  const stop = async () => {
    if (!open) return;
    await open.engine.close();
    await open.store.close();
    await open.backend.close();
    open = undefined;
  };

  const at = async (engine: AlertEngine, seconds: number, value?: number) => {
    clock.set(T0 + seconds * S);
    if (value !== undefined) engine.observe([obs('host', 'web-1', value, T0 + seconds * S, 'cpu')]);
    engine.tick();
    await engine.settled();
  };

  const statuses = () => hook.bodies<{ status: string }>().map((b) => b.status);

  it('a firing alert survives a restart without notifying again, and its resolution is still told', async () => {
    let engine = await start();
    await at(engine, 0, 150);
    await at(engine, 5);
    expect(statuses()).toEqual(['firing']);
    const before = engine.alerts();
    await stop();

    clock.set(T0 + 30 * S); // down for 25 s
    engine = await start();
    expect(engine.alerts()).toEqual(before);
    for (let s = 30; s <= 300; s += 10) await at(engine, s, 150);
    expect(statuses()).toEqual(['firing']);

    await at(engine, 310, 20);
    await at(engine, 365);
    expect(statuses()).toEqual(['firing', 'resolved']);
    expect((await engine.history()).map((t) => `${t.from}→${t.to}`)).toEqual([
      'firing→resolved',
      'inactive→firing',
    ]);
  });

  it('repeats a firing alert whose repeat_interval ran out while the platform was down, once', async () => {
    let engine = await start();
    await at(engine, 0, 150);
    await at(engine, 5);
    await stop();

    clock.set(T0 + 2 * 3600 * S);
    engine = await start();
    await at(engine, 2 * 3600);
    await at(engine, 2 * 3600 + 120);
    expect(statuses()).toEqual(['firing', 'firing']);
  });

  it('keeps counting `for` from before the restart', async () => {
    let engine = await start([{ ...cpu, for: '2m' }]);
    await at(engine, 0, 150);
    await at(engine, 60, 150);
    await stop();

    clock.set(T0 + 90 * S);
    engine = await start([{ ...cpu, for: '2m' }]);
    expect(engine.alerts().map((a) => a.state)).toEqual(['pending']);
    await at(engine, 119);
    expect(engine.alerts().map((a) => a.state)).toEqual(['pending']);
    await at(engine, 120);
    expect(engine.alerts().map((a) => a.state)).toEqual(['firing']);
  });

  it('keeps the rules the API added, replaced and removed, over a restart and a configuration reload', async () => {
    const disk: RuleDocument = {
      name: 'disk-full',
      type: 'threshold',
      series: 'host',
      field: 'disk',
      threshold: 90,
    };
    const mem: RuleDocument = {
      name: 'mem-high',
      type: 'threshold',
      series: 'host',
      field: 'mem',
      threshold: 90,
    };
    let engine = await start([cpu, mem]);
    engine.upsertRule(disk);
    engine.upsertRule({ ...cpu, threshold: 95 });
    engine.removeRule('mem-high');
    await engine.settled();
    await stop();

    // Another process takes over, with the same configuration: the API's changes are there.
    engine = await start([cpu, mem]);
    const thresholds = () => engine.rules().map((r) => [r.name, (r as { threshold?: number }).threshold]);
    expect(thresholds()).toEqual([
      ['cpu-high', 95],
      ['disk-full', 90],
    ]);
    await at(engine, 0, 90); // under the API's threshold, over the configuration's
    expect(engine.alerts()).toEqual([]);

    // A reload replaces the configuration's rules and leaves the API's changes standing.
    engine.configure(config([cpu, mem, { ...disk, name: 'net-errors', field: 'errors' }]));
    expect(thresholds()).toEqual([
      ['cpu-high', 95],
      ['disk-full', 90],
      ['net-errors', 90],
    ]);
  });

  it('keeps silences, and resolves the alerts of a rule that is gone', async () => {
    let engine = await start();
    engine.addSilence({ matchers: ['key="web-1"'], duration: '10m' });
    await at(engine, 0, 150);
    await at(engine, 10);
    expect(statuses()).toEqual([]);
    await stop();

    engine = await start();
    expect(engine.silences().map((s) => s.status)).toEqual(['active']);
    expect(engine.alerts()[0].silencedBy).toHaveLength(1);
    await stop();

    clock.set(T0 + 700 * S); // the silence ran out meanwhile
    engine = await start([]); // and the rule was removed from the configuration
    await at(engine, 700);
    expect(engine.alerts().map((a) => a.state)).toEqual(['resolved']);
    await at(engine, 800);
    // Never told it fired (silenced), so no resolved notice either.
    expect(statuses()).toEqual([]);
  });
});

describe('the alert store beside the series store', () => {
  it('shares the database of the series store', async () => {
    const series = await openSeriesStore({ backend: 'pglite' });
    try {
      const store = await AlertStore.onSeriesStore(series);
      const engine = await AlertEngine.open({
        clock: new ManualClock(T0),
        config: { rules: [cpu] },
        persistence: store,
      });
      engine.observe([obs('host', 'web-1', 150, T0, 'cpu')]);
      await engine.settled();
      expect((await store.load()).alerts).toHaveLength(1);
      expect(series.sql.schema).toBe('tributary');
      expect((await engine.history()).map((t) => t.to)).toEqual(['firing']);
      await store.close();
      expect(await series.listSeries()).toEqual([]); // still open: the series store owns the database
    } finally {
      await series.close();
    }
  });
});
