import pg from 'pg';
import { TributaryError } from '../errors.js';
import type { SqlBackend, SqlExecutor, SqlResult, SqlRow } from './backend.js';
import { rowCountOf } from './backend.js';
import { redactUrl, unreachable } from './store-errors.js';

/**
 * The server backend: a small pool of connections to PostgreSQL, so that API queries are not
 * queued behind the runtime's writes. A transaction holds one pooled connection throughout.
 */

export interface PostgresOptions {
  readonly url: string;
  /** Connections in the pool (default 4). */
  readonly poolSize?: number;
  /** How long to wait for a connection before failing (default 5000 ms). */
  readonly connectTimeoutMs?: number;
}

type Queryable = pg.Pool | pg.PoolClient;

const executor = (db: Queryable): SqlExecutor => ({
  async query<R extends SqlRow>(text: string, values?: readonly unknown[]): Promise<SqlResult<R>> {
    const result = await db.query<R>(text, values as unknown[] | undefined);
    return { rows: result.rows, rowCount: rowCountOf(result) };
  },
});

const checkUrl = (url: string): void => {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch (error) {
    throw new TributaryError(
      'TRB_STORE_BAD_CONFIG',
      `the result store URL ${redactUrl(url)} is not a URL; use postgres://USER[:PASSWORD]@HOST:PORT/DATABASE`,
      { cause: error },
    );
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new TributaryError(
      'TRB_STORE_BAD_CONFIG',
      `the result store URL ${redactUrl(url)} is not a PostgreSQL URL; use postgres://USER[:PASSWORD]@HOST:PORT/DATABASE`,
    );
  }
};

/** Connects to PostgreSQL at `url` and checks that it answers before returning. */
export const openPostgresBackend = async (options: PostgresOptions): Promise<SqlBackend> => {
  checkUrl(options.url);
  const location = redactUrl(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    application_name: 'tributary',
  });
  // An idle connection that the server drops emits 'error' on the pool; unhandled, that would
  // crash the process. The pool discards the connection and the next query opens a new one.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw unreachable(location, error);
  }
  return {
    kind: 'postgres',
    location,
    ...executor(pool),
    async transaction(work) {
      const client = await pool.connect();
      // A checked-out connection that the server drops emits 'error' on the client, which the
      // pool does not listen to meanwhile (unheard, it would crash the process); the failure
      // also reaches `work` through its next query.
      const state: { lost?: Error; broken?: Error } = {};
      const onError = (error: Error) => {
        state.lost = error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        state.broken = state.lost;
        if (!state.lost) {
          // A connection that cannot even roll back is not returned to the pool.
          await client.query('ROLLBACK').catch((rollbackError: Error) => {
            state.broken = rollbackError;
          });
        }
        // Once the connection is lost, later failures only echo it ("not queryable"): report the cause.
        throw state.lost ?? error;
      } finally {
        client.off('error', onError);
        client.release(state.broken ?? state.lost);
      }
    },
    close: () => pool.end(),
  };
};
