import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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

/**
 * A fresh PGlite directory costs an initdb (about 2 s here); `npm run build` saves the
 * result once as this template, and a new data directory starts as a copy of it instead.
 */
export const PGLITE_TEMPLATE = fileURLToPath(new URL('../../pglite-template.tar.gz', import.meta.url));

const isNew = (dataDir: string): boolean => !existsSync(dataDir) || readdirSync(dataDir).length === 0;

/** Opens PGlite in memory (no `dataDir`) or on disk in `dataDir`, created if missing. */
export const openPgliteBackend = async (dataDir?: string): Promise<SqlBackend> => {
  const location = dataDir ? `PGlite in ${dataDir}` : 'PGlite in memory';
  let db: PGlite;
  try {
    const template =
      dataDir && isNew(dataDir) && existsSync(PGLITE_TEMPLATE) ? await readFile(PGLITE_TEMPLATE) : undefined;
    db = await PGlite.create(dataDir, template ? { loadDataDir: new Blob([template]) } : {});
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
