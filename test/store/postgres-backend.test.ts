import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openSeriesStore, redactUrl, SeriesStore } from '../../src/store/index.js';
import { toStoreError } from '../../src/store/store-errors.js';
import { DATABASE_URL, postgresServer } from './backends.js';

describe('opening the store on PostgreSQL', () => {
  it('says, when nothing listens, where it tried (without the password) and how to start a server', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const opening = openSeriesStore({
      backend: 'postgres',
      url: 'postgres://tributary:s3cret@127.0.0.1:1/test',
    });

    const error = await opening.catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'TributaryError',
      code: 'TRB_STORE_UNREACHABLE',
      domain: 'external',
    });
    const message = (error as Error).message;
    expect(message).toContain('postgres://tributary:***@127.0.0.1:1/test');
    expect(message).not.toContain('s3cret');
    expect(message).toContain('Start PostgreSQL');
    expect(message).toContain('DATABASE_URL');
  });

  it('says, when the database does not exist, how to create it', async () => {
    const url = new URL(DATABASE_URL);
    url.pathname = '/tributary_no_such_database';

    const opening = openSeriesStore({ backend: 'postgres', url: url.toString() });

    await expect(opening).rejects.toMatchObject({ code: 'TRB_STORE_UNREACHABLE' });
    await expect(opening).rejects.toThrow(/createdb/);
  });

  it('refuses a URL that is not a PostgreSQL URL', async () => {
    await expect(openSeriesStore({ backend: 'postgres', url: 'localhost:5432' })).rejects.toMatchObject({
      code: 'TRB_STORE_BAD_CONFIG',
    });
    await expect(openSeriesStore({ backend: 'postgres', url: 'mysql://db/x' })).rejects.toMatchObject({
      code: 'TRB_STORE_BAD_CONFIG',
    });
  });

  it('keeps passwords out of URLs it names', () => {
    expect(redactUrl('postgresql://u:p%40ss@db.example:5433/results?sslmode=require')).toBe(
      'postgresql://u:***@db.example:5433/results?sslmode=require',
    );
    expect(redactUrl('postgres://u@db/x')).toBe('postgres://u@db/x');
  });

  describe('when the server drops its connection', () => {
    const db = postgresServer();
    afterAll(() => db.cleanup());

    it('reports a connection lost mid-transaction as unreachable, and reconnects for the next call', async () => {
      const backend = await db.open();
      const store = await SeriesStore.open(backend, { schema: db.schema });
      try {
        await store.upsert('s', [{ key: 'a', start: 0, end: 1, n: 1 }]);

        const lost = await backend
          .transaction(async (tx) => {
            const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
            const admin = new pg.Client({ connectionString: DATABASE_URL });
            await admin.connect();
            await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
            await admin.end();
            await tx.query('SELECT 1');
          })
          .catch((error: unknown) => error);

        expect(toStoreError(lost, backend.location, 'a test')).toMatchObject({
          code: 'TRB_STORE_UNREACHABLE',
          domain: 'external',
        });
        expect(await store.keys('s')).toEqual(['a']);
      } finally {
        await store.close();
      }
    });
  });
});
