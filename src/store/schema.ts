import { TributaryError } from '../errors.js';
import type { SqlBackend } from './backend.js';

/**
 * The store's tables, and the migrations that create them. Every table lives in one schema
 * (default `tributary`), so tests and tenants can share a database without seeing each other.
 * A migration is applied once, in a transaction, and recorded in `schema_migrations`; opening
 * a store runs the missing ones, so opening is idempotent and safe for two processes at once.
 */

export const DEFAULT_SCHEMA = 'tributary';

/** Fully qualified table names. The schema is an identifier, checked, never a value. */
export interface Tables {
  readonly schema: string;
  readonly results: string;
  /** Checkpoints of the format before key groups: read once, to carry a pipeline over. */
  readonly checkpoints: string;
  readonly taskCheckpoints: string;
  readonly stateGroups: string;
  /** Which run of each task may write its checkpoints. */
  readonly taskOwners: string;
  readonly migrations: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export const tablesIn = (schema: string): Tables => {
  if (!IDENTIFIER.test(schema)) {
    throw new TributaryError(
      'TRB_STORE_BAD_CONFIG',
      `store schema "${schema}" is not a plain SQL identifier; use lower-case letters, digits and _ ` +
        '(at most 63, not starting with a digit)',
    );
  }
  const quoted = `"${schema}"`;
  return {
    schema: quoted,
    results: `${quoted}.series_results`,
    checkpoints: `${quoted}.checkpoints`,
    taskCheckpoints: `${quoted}.task_checkpoints`,
    stateGroups: `${quoted}.state_groups`,
    taskOwners: `${quoted}.task_owners`,
    migrations: `${quoted}.schema_migrations`,
  };
};

interface Migration {
  readonly version: number;
  readonly statements: (t: Tables) => string[];
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: (t) => [
      // One row per window result. Times are ms since the epoch, as the engine has them: exact,
      // and bucketing by a step is integer arithmetic. The primary key is the upsert key, which
      // makes a replayed result land on the row it wrote before.
      `CREATE TABLE ${t.results} (
        series text NOT NULL,
        key text NOT NULL,
        window_start bigint NOT NULL,
        window_end bigint NOT NULL,
        fields jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (series, key, window_start, window_end),
        CHECK (window_end >= window_start)
      )`,
      // Time-range queries over all keys of a series; the primary key serves those by key.
      `CREATE INDEX series_results_by_start ON ${t.results} (series, window_start)`,
      // Global retention deletes by window end across series.
      `CREATE INDEX series_results_by_end ON ${t.results} (window_end)`,
      // json, not jsonb: a checkpoint is read back whole, and jsonb would reorder its keys.
      `CREATE TABLE ${t.checkpoints} (
        pipeline text PRIMARY KEY,
        checkpoint json NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 2,
    statements: (t) => [
      // One row per pipeline task (all partitions, or one): its operators' operator-wide
      // state and the source positions it resumes from, replaced at every checkpoint. JSON
      // as text: read back whole, never queried inside.
      `CREATE TABLE ${t.taskCheckpoints} (
        pipeline text NOT NULL,
        task text NOT NULL,
        checkpoint_id bigint NOT NULL,
        taken_at bigint NOT NULL,
        meta text NOT NULL,
        positions text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (pipeline, task)
      )`,
      // Keyed state by key group: a full row, then the changes written after it, in seq
      // order. A checkpoint adds rows only for the groups that changed; writing a new full
      // row deletes the rows it replaces.
      `CREATE TABLE ${t.stateGroups} (
        pipeline text NOT NULL,
        key_group integer NOT NULL,
        seq bigint NOT NULL,
        full_state boolean NOT NULL,
        data text NOT NULL,
        PRIMARY KEY (pipeline, key_group, seq)
      )`,
    ],
  },
  {
    version: 3,
    statements: (t) => [
      // Which run of a task may write its checkpoints: a task claims its row when it starts,
      // and a checkpoint written under another claim is refused. When a partition moves to
      // another process, a run that lingers on the old one (a zombie) can no longer write.
      `CREATE TABLE ${t.taskOwners} (
        pipeline text NOT NULL,
        task text NOT NULL,
        owner text NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (pipeline, task)
      )`,
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Creates the schema or brings it up to date; returns the version it is at. */
export const migrate = (backend: SqlBackend, tables: Tables): Promise<number> =>
  backend.transaction(async (tx) => {
    // Two processes opening the same store at once wait for each other here instead of both
    // creating the same tables. The lock is released at commit.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `tributary.store.migrate:${tables.schema}`,
    ]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${tables.schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${tables.migrations} (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await tx.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${tables.migrations}`,
    );
    const current = rows[0].version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new TributaryError(
        'TRB_STORE_SCHEMA_VERSION',
        `store schema ${tables.schema} at ${backend.location} is at version ${current}, but this ` +
          `Tributary knows versions up to ${SCHEMA_VERSION}; upgrade Tributary or use another schema`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      for (const statement of migration.statements(tables)) await tx.query(statement);
      await tx.query(`INSERT INTO ${tables.migrations} (version) VALUES ($1)`, [migration.version]);
    }
    return SCHEMA_VERSION;
  });
