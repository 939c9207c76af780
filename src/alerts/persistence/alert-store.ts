import type { AlertSnapshot, AlertTransition, NotificationRecord, Silence } from '../../contract/index.js';
import { TributaryError } from '../../errors.js';
import type { SqlBackend, SqlExecutor } from '../../store/backend.js';
import { DEFAULT_SCHEMA } from '../../store/schema.js';
import type { SeriesStore } from '../../store/series-store.js';
import { toStoreError } from '../../store/store-errors.js';
import type { NotificationLogEntry } from '../model.js';
import type { RuleDocument } from '../schema.js';
import type { AlertChanges, AlertPersistence, HistoryQuery, PersistedAlerting } from './alert-persistence.js';
import { type AlertTables, alertTables, migrateAlertTables } from './alert-tables.js';

/**
 * Alert state and history in the result store's database (PGlite or PostgreSQL), in the
 * same schema, in tables of their own with their own migrations:
 *
 * - `alert_active` — alerts the engine holds (pending, firing, resolved awaiting notice);
 * - `alert_notification_log` — what each receiver was last told about each group;
 * - `alert_silences`;
 * - `alert_rules` — rules as the API left them, over the configuration's;
 * - `alert_transitions`, `alert_notifications` — the history, append-only.
 *
 * `write` applies a batch of changes in one transaction: after a crash the store holds a
 * batch whole or not at all. Restoring active alerts with the notification log is what lets
 * a restarted engine carry on without notifying twice.
 *
 * @example
 * const store = await openSeriesStore({ backend: 'pglite', dataDir });
 * const alerts = await AlertEngine.open({ config, persistence: await AlertStore.onSeriesStore(store) });
 */
export class AlertStore implements AlertPersistence {
  readonly #backend: SqlBackend;
  readonly #t: AlertTables;
  readonly #owns: boolean;
  #closed = false;

  private constructor(backend: SqlBackend, tables: AlertTables, owns: boolean) {
    this.#backend = backend;
    this.#t = tables;
    this.#owns = owns;
  }

  /** Opens on `backend` in `schema` (default `tributary`), creating the tables; `owns` closes the backend with the store. */
  static async open(
    backend: SqlBackend,
    options: { schema?: string; owns?: boolean } = {},
  ): Promise<AlertStore> {
    const tables = alertTables(options.schema ?? DEFAULT_SCHEMA);
    try {
      await migrateAlertTables(backend, tables);
    } catch (error) {
      throw toStoreError(error, backend.location, 'the alert tables migration');
    }
    return new AlertStore(backend, tables, options.owns ?? false);
  }

  /** Shares the database and schema of a series store (which keeps owning them). */
  static onSeriesStore(store: SeriesStore): Promise<AlertStore> {
    const { backend, schema } = store.sql;
    return AlertStore.open(backend, { schema });
  }

  load(): Promise<PersistedAlerting> {
    return this.#guard('loading alert state', async () => {
      const t = this.#t;
      const alerts = await this.#backend.query<{ snapshot: AlertSnapshot }>(
        `SELECT snapshot FROM ${t.active} ORDER BY fingerprint`,
      );
      const log = await this.#backend.query<LogRow>(
        `SELECT receiver, group_key, firing, resolved, at FROM ${t.log}`,
      );
      const silences = await this.#backend.query<{ silence: Silence }>(
        `SELECT silence FROM ${t.silences} ORDER BY id`,
      );
      const rules = await this.#backend.query<{ name: string; document: RuleDocument | null }>(
        `SELECT name, document FROM ${t.rules} ORDER BY name`,
      );
      return {
        alerts: alerts.rows.map((r) => reviveSnapshot(parseJson(r.snapshot))),
        log: log.rows.map((r) => ({
          receiver: r.receiver,
          groupKey: r.group_key,
          firing: parseJson(r.firing),
          resolved: parseJson(r.resolved),
          at: Number(r.at),
        })),
        silences: silences.rows.map((r) => parseJson(r.silence)),
        rules: rules.rows.map((r) => ({
          name: r.name,
          document: r.document === null ? null : parseJson(r.document),
        })),
      };
    });
  }

  write(changes: AlertChanges): Promise<void> {
    return this.#guard('writing alert state', async () => {
      const statements = this.#statements(changes);
      if (statements.length === 0) return;
      const run = async (db: SqlExecutor) => {
        for (const { text, values } of statements) await db.query(text, values);
      };
      if (statements.length === 1) await run(this.#backend);
      else await this.#backend.transaction(run);
    });
  }

  transitions(query: HistoryQuery = {}): Promise<AlertTransition[]> {
    return this.#guard('reading alert history', async () => {
      const { rows } = await this.#backend.query<TransitionRow>(
        `SELECT fingerprint, rule, labels, from_state, to_state, at, value FROM ${this.#t.transitions}
         WHERE ($1::bigint IS NULL OR at >= $1) AND ($2::bigint IS NULL OR at <= $2)
           AND ($3::text IS NULL OR fingerprint = $3) AND ($4::text IS NULL OR rule = $4)
         ORDER BY at DESC, id DESC LIMIT $5`,
        [query.from ?? null, query.to ?? null, query.fingerprint ?? null, query.rule ?? null, limitOf(query)],
      );
      return rows.map((r) => ({
        fingerprint: r.fingerprint,
        rule: r.rule,
        labels: parseJson(r.labels),
        from: r.from_state as AlertTransition['from'],
        to: r.to_state as AlertTransition['to'],
        at: Number(r.at),
        value: r.value === null ? Number.NaN : Number(r.value),
      }));
    });
  }

  notifications(query: HistoryQuery = {}): Promise<NotificationRecord[]> {
    return this.#guard('reading notification history', async () => {
      const { rows } = await this.#backend.query<NotificationRow>(
        `SELECT receiver, integration, group_key, status, fingerprints, at, ok, attempts, error FROM ${this.#t.notifications}
         WHERE ($1::bigint IS NULL OR at >= $1) AND ($2::bigint IS NULL OR at <= $2)
           AND ($3::text IS NULL OR fingerprints @> jsonb_build_array($3::text))
         ORDER BY at DESC, id DESC LIMIT $4`,
        [query.from ?? null, query.to ?? null, query.fingerprint ?? null, limitOf(query)],
      );
      return rows.map((r) => ({
        receiver: r.receiver,
        integration: r.integration,
        groupKey: r.group_key,
        status: r.status as NotificationRecord['status'],
        fingerprints: parseJson(r.fingerprints),
        at: Number(r.at),
        ok: r.ok,
        attempts: Number(r.attempts),
        ...(r.error ? { error: r.error } : {}),
      }));
    });
  }

  /** Deletes history (transitions, notifications) older than `maxAgeMs` before `now`; returns how many rows. */
  applyRetention(request: { now: number; maxAgeMs: number }): Promise<number> {
    return this.#guard('applying alert history retention', async () => {
      const before = request.now - request.maxAgeMs;
      const a = await this.#backend.query(`DELETE FROM ${this.#t.transitions} WHERE at < $1`, [before]);
      const b = await this.#backend.query(`DELETE FROM ${this.#t.notifications} WHERE at < $1`, [before]);
      return a.rowCount + b.rowCount;
    });
  }

  /** Closes the backend if this store owns it (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owns) await this.#backend.close();
  }

  #statements(c: AlertChanges): { text: string; values: unknown[] }[] {
    const t = this.#t;
    const out: { text: string; values: unknown[] }[] = [];
    for (const rows of chunks(c.alerts, 1000)) {
      out.push(
        insert(
          `INSERT INTO ${t.active} (fingerprint, rule, state, labels, snapshot) VALUES`,
          ['text', 'text', 'text', 'jsonb', 'json'],
          rows.map((a) => [a.fingerprint, a.rule, a.state, JSON.stringify(a.labels), JSON.stringify(a)]),
          `ON CONFLICT (fingerprint) DO UPDATE SET rule = excluded.rule, state = excluded.state,
             labels = excluded.labels, snapshot = excluded.snapshot, updated_at = now()`,
        ),
      );
    }
    if (c.forgotten.length > 0) {
      out.push({
        text: `DELETE FROM ${t.active} WHERE fingerprint = ANY($1::text[])`,
        values: [[...c.forgotten]],
      });
    }
    for (const rows of chunks(c.transitions, 1000)) {
      out.push(
        insert(
          `INSERT INTO ${t.transitions} (fingerprint, rule, labels, from_state, to_state, at, value) VALUES`,
          ['text', 'text', 'jsonb', 'text', 'text', 'bigint', 'double precision'],
          rows.map((r) => [
            r.fingerprint,
            r.rule,
            JSON.stringify(r.labels),
            r.from,
            r.to,
            r.at,
            finite(r.value),
          ]),
        ),
      );
    }
    for (const rows of chunks(c.notifications, 1000)) {
      out.push(
        insert(
          `INSERT INTO ${t.notifications} (receiver, integration, group_key, status, fingerprints, at, ok, attempts, error) VALUES`,
          ['text', 'text', 'text', 'text', 'jsonb', 'bigint', 'boolean', 'integer', 'text'],
          rows.map((n) => [
            n.receiver,
            n.integration,
            n.groupKey,
            n.status,
            JSON.stringify(n.fingerprints),
            n.at,
            n.ok,
            n.attempts,
            n.error ?? null,
          ]),
        ),
      );
    }
    for (const rows of chunks(c.log, 1000)) {
      out.push(
        insert(
          `INSERT INTO ${t.log} (receiver, group_key, firing, resolved, at) VALUES`,
          ['text', 'text', 'jsonb', 'jsonb', 'bigint'],
          rows.map((e: NotificationLogEntry) => [
            e.receiver,
            e.groupKey,
            JSON.stringify(e.firing),
            JSON.stringify(e.resolved),
            e.at,
          ]),
          `ON CONFLICT (receiver, group_key) DO UPDATE SET firing = excluded.firing, resolved = excluded.resolved, at = excluded.at`,
        ),
      );
    }
    for (const rows of chunks(c.silences, 1000)) {
      out.push(
        insert(
          `INSERT INTO ${t.silences} (id, silence, ends_at) VALUES`,
          ['text', 'json', 'bigint'],
          rows.map((s) => [s.id, JSON.stringify(s), s.endsAt]),
          `ON CONFLICT (id) DO UPDATE SET silence = excluded.silence, ends_at = excluded.ends_at, updated_at = now()`,
        ),
      );
    }
    if (c.silencesForgotten.length > 0) {
      out.push({
        text: `DELETE FROM ${t.silences} WHERE id = ANY($1::text[])`,
        values: [[...c.silencesForgotten]],
      });
    }
    for (const rows of chunks(c.rules, 1000)) {
      out.push(
        insert(
          `INSERT INTO ${t.rules} (name, document) VALUES`,
          ['text', 'json'],
          rows.map((r) => [r.name, r.document === null ? null : JSON.stringify(r.document)]),
          `ON CONFLICT (name) DO UPDATE SET document = excluded.document, updated_at = now()`,
        ),
      );
    }
    return out;
  }

  async #guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed)
      throw new TributaryError('TRB_STORE_CLOSED', `${what} on the alert store after close()`);
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error, this.#backend.location, what);
    }
  }
}

/** A multi-row INSERT with typed, numbered parameters: values never become SQL text. */
const insert = (head: string, types: readonly string[], rows: readonly unknown[][], tail = '') => {
  const values: unknown[] = [];
  const tuples = rows.map((row) => `(${row.map((v, i) => `$${values.push(v)}::${types[i]}`).join(', ')})`);
  return { text: `${head} ${tuples.join(', ')} ${tail}`, values };
};

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

const limitOf = (query: HistoryQuery): number =>
  Math.max(1, Math.min(10_000, Math.floor(query.limit ?? 100)));

/** pg gives json columns parsed, PGlite too; a driver that gives text is parsed here. */
const parseJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

/** JSON keeps no NaN: a non-finite value comes back as null, and goes back to NaN here. */
const reviveSnapshot = (s: AlertSnapshot): AlertSnapshot => ({
  ...s,
  value: s.value === null ? Number.NaN : s.value,
  threshold: s.threshold === null ? Number.NaN : s.threshold,
});

interface LogRow extends Record<string, unknown> {
  receiver: string;
  group_key: string;
  firing: string[];
  resolved: string[];
  at: number | string;
}

interface TransitionRow extends Record<string, unknown> {
  fingerprint: string;
  rule: string;
  labels: Record<string, string>;
  from_state: string;
  to_state: string;
  at: number | string;
  value: number | string | null;
}

interface NotificationRow extends Record<string, unknown> {
  receiver: string;
  integration: string;
  group_key: string;
  status: string;
  fingerprints: string[];
  at: number | string;
  ok: boolean;
  attempts: number | string;
  error: string | null;
}
