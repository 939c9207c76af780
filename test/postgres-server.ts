/**
 * A PostgreSQL cluster of the test's own, for outages: Debian's `initdb` and `pg_ctl` on a
 * temporary directory, listening on a loopback port of its own with trust authentication —
 * never the shared server on 5432, which other tests use meanwhile. Stopped and started
 * again on the same port with its data, as an operator restarts a database.
 *
 * PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user
 * and its commands run as that user (`runuser`).
 *
 * @example
 * const db = await startPostgresServer();
 * await db.stop(); // fast shutdown: connections are cut
 * await db.start();
 * await db.close();
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './cli/helpers.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** Stops it (fast shutdown: open connections are cut) and waits until it is down. */
  stop(): Promise<void>;
  /** Starts it again on its port with its data, and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

export const startPostgresServer = async (): Promise<PostgresServer> => {
  if (!existsSync(join(BIN, 'initdb')))
    throw new Error(`${BIN}/initdb is missing: apt-get install postgresql-15 (PostgreSQL 15 from Debian)`);
  const dir = await mkdtemp(join(tmpdir(), 'tributary-postgres-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, uid, Number(gid.trim()));
  }
  const pg = (command: string, args: readonly string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args])
      : run(join(BIN, command), [...args]);
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const server: PostgresServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: async () => {
      await pg('pg_ctl', [
        '-D',
        data,
        '-o',
        options,
        '-l',
        join(dir, 'postgres.log'),
        '-w',
        '-t',
        '30',
        'start',
      ]);
    },
    stop: async () => {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
    },
    close: async () => {
      await server.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
};
