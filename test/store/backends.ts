import pg from 'pg';
import type { SqlBackend, SqlExecutor } from '../../src/store/backend.js';
import { openPgliteBackend } from '../../src/store/pglite-backend.js';
import { openPgliteThreadBackend } from '../../src/store/pglite-thread-backend.js';
import { openPostgresBackend } from '../../src/store/postgres-backend.js';

/**
 * The databases every store spec runs against. PostgreSQL is the real server named by
 * DATABASE_URL: a test that cannot reach it fails (with the store's own message saying how
 * to start it) rather than skipping.
 */

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A statement the store sent, as the database saw it. */
export interface SentStatement {
  readonly text: string;
  readonly parameters: number;
  /** The length of its first parameter when that is an array (the rows of an `unnest`), else 1. */
  readonly rows: number;
  readonly inTransaction: boolean;
}

/** A real backend that also notes each statement sent through it, so tests can see batching. */
export interface RecordingBackend extends SqlBackend {
  readonly sent: SentStatement[];
}

const recording = (backend: SqlBackend): RecordingBackend => {
  const sent: SentStatement[] = [];
  const noting = (db: SqlExecutor, inTransaction: boolean): SqlExecutor => ({
    query: (text, values) => {
      const first = values?.[0];
      sent.push({
        text,
        parameters: values?.length ?? 0,
        rows: Array.isArray(first) ? first.length : 1,
        inTransaction,
      });
      return db.query(text, values);
    },
  });
  return {
    kind: backend.kind,
    location: backend.location,
    sent,
    ...noting(backend, false),
    transaction: (work) => backend.transaction((tx) => work(noting(tx, true))),
    close: () => backend.close(),
  };
};

export interface TestDatabase {
  /** Opens a backend on this database; `schema` is the store schema the test will use. */
  open(): Promise<RecordingBackend>;
  /** A schema name no other test run uses. */
  readonly schema: string;
  /** Drops every schema this test run created. */
  cleanup(): Promise<void>;
}

const runId = `${process.pid}_${Date.now().toString(36)}`;
let schemas = 0;

export const pgliteInMemory = (): TestDatabase => ({
  schema: `store_test_${runId}_${schemas++}`,
  open: async () => recording(await openPgliteBackend()),
  cleanup: async () => {},
});

export const postgresServer = (): TestDatabase => ({
  schema: `store_test_${runId}_${schemas++}`,
  open: async () => recording(await openPostgresBackend({ url: DATABASE_URL })),
  // Every schema this run made, including any a test derived from its own name.
  cleanup: async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
        [`store_test_${runId}_`],
      );
      for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    } finally {
      await client.end();
    }
  },
});

/** PGlite on a thread of its own, as the platform runs it: every statement crosses threads. */
export const pgliteOnItsThread = (): TestDatabase => ({
  schema: `store_test_${runId}_${schemas++}`,
  open: async () => recording(await openPgliteThreadBackend()),
  cleanup: async () => {},
});

export const databases: [string, () => TestDatabase][] = [
  ['PGlite (in memory)', pgliteInMemory],
  ['PGlite (on its own thread)', pgliteOnItsThread],
  ['PostgreSQL (DATABASE_URL)', postgresServer],
];
