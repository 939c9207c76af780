import { Worker } from 'node:worker_threads';
import { RpcEndpoint } from '../threads/rpc.js';
import { threadScript } from '../threads/script.js';
import type { SqlBackend, SqlResult, SqlRow } from './backend.js';

/**
 * PGlite on a thread of its own, behind the same `SqlBackend` as in-thread PGlite: every
 * statement is a message to that thread, and a transaction stays open there across
 * messages. The store above cannot tell the difference; the calling thread never runs the
 * database.
 */
export const openPgliteThreadBackend = async (dataDir?: string): Promise<SqlBackend> => {
  const worker = new Worker(threadScript('./pglite-thread.js', import.meta.url), { workerData: { dataDir } });
  const db = new RpcEndpoint(worker, {});
  const exited = new Promise<Error>((resolve) => {
    worker.once('error', resolve);
    worker.once('exit', (code) => resolve(new Error(`the database thread exited with code ${code}`)));
  });
  void exited.then((error) => db.close(error));
  try {
    await db.call('open');
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  const query = <R extends SqlRow>(text: string, values?: readonly unknown[]) =>
    db.call<SqlResult<R>>('query', [text, values]);
  return {
    kind: 'pglite',
    location: dataDir ? `PGlite in ${dataDir}` : 'PGlite in memory',
    query,
    async transaction(work) {
      const id = await db.call<number>('begin');
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work({ query: (text, values) => db.call('txQuery', [id, text, values]) });
      } catch (error) {
        await db.call('rollback', [id]).catch(() => {});
        throw error;
      }
      await db.call('commit', [id]);
      return result;
    },
    async close() {
      try {
        await db.call('close');
      } finally {
        await worker.terminate();
      }
    },
  };
};
