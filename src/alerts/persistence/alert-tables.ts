import { TributaryError } from '../../errors.js';
import type { SqlBackend } from '../../store/backend.js';
import { tablesIn } from '../../store/schema.js';

// The alert tables live beside the series store's, in its schema, with migrations of their
// own: alerting can change its tables without a series store migration.

/** The alert tables' qualified names in one schema. */
export interface AlertTables {
  readonly schema: string;
  readonly migrations: string;
  readonly active: string;
  readonly log: string;
  readonly silences: string;
  readonly transitions: string;
  readonly notifications: string;
  readonly rules: string;
}

export const alertTables = (schema: string): AlertTables => {
  const s = tablesIn(schema).schema;
  return {
    schema: s,
    migrations: `${s}.alert_schema_migrations`,
    active: `${s}.alert_active`,
    log: `${s}.alert_notification_log`,
    silences: `${s}.alert_silences`,
    transitions: `${s}.alert_transitions`,
    notifications: `${s}.alert_notifications`,
    rules: `${s}.alert_rules`,
  };
};

const MIGRATIONS: readonly { version: number; statements: (t: AlertTables) => string[] }[] = [
  {
    version: 1,
    statements: (t) => [
      // Times are ms since the epoch, as the alert engine has them. A snapshot is read back
      // whole, so it is json (kept as written); labels are jsonb, to be queried.
      `CREATE TABLE ${t.active} (
        fingerprint text PRIMARY KEY,
        rule text NOT NULL,
        state text NOT NULL,
        labels jsonb NOT NULL,
        snapshot json NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE ${t.log} (
        receiver text NOT NULL,
        group_key text NOT NULL,
        firing jsonb NOT NULL,
        resolved jsonb NOT NULL,
        at bigint NOT NULL,
        PRIMARY KEY (receiver, group_key)
      )`,
      `CREATE TABLE ${t.silences} (
        id text PRIMARY KEY,
        silence json NOT NULL,
        ends_at bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE ${t.transitions} (
        id bigserial PRIMARY KEY,
        fingerprint text NOT NULL,
        rule text NOT NULL,
        labels jsonb NOT NULL,
        from_state text NOT NULL,
        to_state text NOT NULL,
        at bigint NOT NULL,
        value double precision
      )`,
      `CREATE INDEX alert_transitions_by_at ON ${t.transitions} (at)`,
      `CREATE INDEX alert_transitions_by_fingerprint ON ${t.transitions} (fingerprint, at)`,
      `CREATE INDEX alert_transitions_by_rule ON ${t.transitions} (rule, at)`,
      `CREATE TABLE ${t.notifications} (
        id bigserial PRIMARY KEY,
        receiver text NOT NULL,
        integration text NOT NULL,
        group_key text NOT NULL,
        status text NOT NULL,
        fingerprints jsonb NOT NULL,
        at bigint NOT NULL,
        ok boolean NOT NULL,
        attempts integer NOT NULL,
        error text
      )`,
      `CREATE INDEX alert_notifications_by_at ON ${t.notifications} (at)`,
    ],
  },
  {
    version: 2,
    statements: (t) => [
      // Rules as the API left them, over the configuration's; a null document is a removal.
      `CREATE TABLE ${t.rules} (
        name text PRIMARY KEY,
        document json,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];

/** Brings the alert tables of a schema up to date, one migration at a time, under an advisory lock. */
export const migrateAlertTables = (backend: SqlBackend, t: AlertTables): Promise<void> =>
  backend.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tributary.alerts.migrate:${t.schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await tx.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${t.migrations}`,
    );
    const current = rows[0].version ?? 0;
    const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
    if (current > latest) {
      throw new TributaryError(
        'TRB_STORE_SCHEMA_VERSION',
        `alert tables in ${t.schema} at ${backend.location} are at version ${current}, but this Tributary knows versions up to ${latest}; upgrade Tributary or use another schema`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      for (const statement of migration.statements(t)) await tx.query(statement);
      await tx.query(`INSERT INTO ${t.migrations} (version) VALUES ($1)`, [migration.version]);
    }
  });
