/**
 * The embedded database's own thread. PGlite runs PostgreSQL compiled to WebAssembly, and
 * runs it synchronously: a transaction of a few thousand rows keeps the thread busy for
 * seconds. Here that thread is not the one that answers HTTP.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RpcEndpoint } from '../threads/rpc.js';
import type { SqlExecutor } from './backend.js';
import { openPgliteBackend } from './pglite-backend.js';

interface Session {
  readonly tx: SqlExecutor;
  readonly commit: () => void;
  readonly rollback: (reason: Error) => void;
  /** Settles when PGlite has committed or rolled back. */
  readonly ended: Promise<unknown>;
}

const { dataDir } = workerData as { dataDir?: string };
const opened = openPgliteBackend(dataDir);
const sessions = new Map<number, Session>();
let nextSession = 1;

new RpcEndpoint(parentPort!, {
  open: async () => {
    await opened;
  },
  query: async (text: string, values?: unknown[]) => (await opened).query(text, values),
  // A transaction stays open across calls: PGlite holds its one connection for it, so
  // other statements wait until it commits or rolls back, as they would in one thread.
  begin: async () => {
    const backend = await opened;
    const id = nextSession++;
    return new Promise<number>((started) => {
      let session!: Session;
      const ended = backend.transaction(
        (tx) =>
          new Promise<void>((commit, rollback) => {
            session = { tx, commit, rollback, ended };
            sessions.set(id, session);
            started(id);
          }),
      );
      ended.catch(() => {}).finally(() => sessions.delete(id));
    });
  },
  txQuery: (id: number, text: string, values?: unknown[]) => session(id).tx.query(text, values),
  commit: async (id: number) => {
    const s = session(id);
    s.commit();
    await s.ended;
  },
  rollback: async (id: number) => {
    const s = session(id);
    s.rollback(new Error('rolled back'));
    await s.ended.catch(() => {});
  },
  close: async () => (await opened).close(),
});

const session = (id: number): Session => {
  const found = sessions.get(id);
  if (!found) throw new Error(`no open transaction ${id} on the database thread`);
  return found;
};
