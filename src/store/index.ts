import type { SqlBackend } from './backend.js';
import type { PostgresOptions } from './postgres-backend.js';
import { SeriesStore, type SeriesStoreOptions } from './series-store.js';

export type { BackendKind, SqlBackend, SqlExecutor, SqlResult } from './backend.js';
export type { PostgresOptions } from './postgres-backend.js';
export { DEFAULT_SCHEMA, SCHEMA_VERSION } from './schema.js';
export { SeriesStore, type SeriesStoreOptions } from './series-store.js';
export { redactUrl } from './store-errors.js';
export * from './types.js';

/** Where the store keeps its data: embedded PGlite (in memory, or in a directory) or a PostgreSQL server. */
export type OpenStoreOptions = SeriesStoreOptions &
  (
    | {
        readonly backend: 'pglite';
        readonly dataDir?: string;
        /** Run the database on a thread of its own, so that its work never stalls this one. */
        readonly thread?: boolean;
      }
    | ({ readonly backend: 'postgres' } & PostgresOptions)
  );

/**
 * Opens a result store and brings its schema up to date.
 *
 * @example
 * const embedded = await openSeriesStore({ backend: 'pglite', dataDir: './data/store' });
 * const server = await openSeriesStore({ backend: 'postgres', url: process.env.DATABASE_URL! });
 */
export const openSeriesStore = async (options: OpenStoreOptions): Promise<SeriesStore> => {
  // Each driver is loaded only when chosen: an embedded run never loads pg, a server run never
  // loads PGlite's WebAssembly build.
  let backend: SqlBackend;
  if (options.backend === 'pglite' && options.thread) {
    const { openPgliteThreadBackend } = await import('./pglite-thread-backend.js');
    backend = await openPgliteThreadBackend(options.dataDir);
  } else if (options.backend === 'pglite') {
    const { openPgliteBackend } = await import('./pglite-backend.js');
    backend = await openPgliteBackend(options.dataDir);
  } else {
    const { openPostgresBackend } = await import('./postgres-backend.js');
    backend = await openPostgresBackend(options);
  }
  return SeriesStore.open(backend, options);
};
