import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlBackend, SqlExecutor, SqlResult, SqlRow } from './backend.js';
import { rowCountOf } from './backend.js';
import { unreachable } from './store-errors.js';

/**
 * The embedded backend: PostgreSQL compiled to WebAssembly, in this process. One connection,
 * which PGlite serializes: a query waits while a transaction runs, so a transaction never sees
 * another caller's statements. One process at a time may open a data directory.
 */

const executor = (db: PGlite | Transaction): SqlExecutor => ({
  async query<R extends SqlRow>(text: string, values?: readonly unknown[]): Promise<SqlResult<R>> {
    const result = await db.query<R>(text, values as unknown[] | undefined);
    return { rows: result.rows, rowCount: rowCountOf(result) };
  },
});

/** Opens PGlite in memory (no `dataDir`) or on disk in `dataDir`, created if missing. */
export const openPgliteBackend = async (dataDir?: string): Promise<SqlBackend> => {
  const location = dataDir ? `PGlite in ${dataDir}` : 'PGlite in memory';
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (error) {
    throw unreachable(
      location,
      error,
      'Check that the directory is writable, holds a PGlite data directory (or nothing), and that no other process has it open.',
    );
  }
  return {
    kind: 'pglite',
    location,
    ...executor(db),
    transaction: (work) => db.transaction((tx) => work(executor(tx))),
    close: () => db.close(),
  };
};
