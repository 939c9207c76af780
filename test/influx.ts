/**
 * An InfluxDB 1.x of the test's own — Debian's influxd (scripts/prepare-tests.sh installs
 * it), never a shared one: its configuration, meta, data and WAL under a temporary
 * directory, HTTP and RPC on free loopback ports, authentication on with one admin user.
 * It can be stopped and started again on the same port with its data, for outages.
 *
 * @example
 * const influx = await startInflux();
 * await influx.query('CREATE DATABASE tributary');
 * const rows = await influx.select('tributary', 'SELECT * FROM clicks');
 * await influx.close();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INFLUXD = '/usr/bin/influxd';
export const INFLUX_USER = 'tributary';
export const INFLUX_PASSWORD = 'tributary-secret';

export interface InfluxServer {
  /** `http://127.0.0.1:<port>`, without credentials. */
  readonly url: string;
  /** Runs InfluxQL (as the admin user) and gives its results. */
  query(q: string, db?: string): Promise<QueryResult[]>;
  /** The rows of a SELECT or SHOW, one object per row, times in ms. */
  select(db: string, q: string): Promise<Record<string, unknown>[]>;
  /** Writes line protocol (ms precision) as the admin user, around any sink. */
  write(db: string, lines: string): Promise<void>;
  /** Stops influxd and waits for it to exit; its data stays. */
  stop(): Promise<void>;
  /** Starts it again, on the same port with the same data, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

interface QueryResult {
  readonly error?: string;
  readonly series?: { name: string; columns: string[]; values: unknown[][] }[];
}

export const startInflux = async (): Promise<InfluxServer> => {
  if (!existsSync(INFLUXD))
    throw new Error(
      `${INFLUXD} is missing: run scripts/prepare-tests.sh (npm test does), or apt-get install influxdb`,
    );
  const dir = await mkdtemp(join(tmpdir(), 'tributary-influx-'));
  const [httpPort, rpcPort] = await freePorts(2);
  const config = join(dir, 'influxd.conf');
  await writeFile(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      '  auth-enabled = true',
      '  log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const basic = `Basic ${Buffer.from(`${INFLUX_USER}:${INFLUX_PASSWORD}`).toString('base64')}`;
  let running: ChildProcess | undefined;
  let log = '';

  const query = async (q: string, db?: string, admin = true): Promise<QueryResult[]> => {
    const params = new URLSearchParams({ q, epoch: 'ms', ...(db ? { db } : {}) });
    const response = await fetch(`${url}/query`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(admin ? { authorization: basic } : {}),
      },
      body: params,
    });
    const body = (await response.json()) as { results?: QueryResult[]; error?: string };
    const error = body.error ?? body.results?.find((r) => r.error)?.error;
    if (!response.ok || error) throw new Error(`InfluxDB refused ${q}: ${response.status} ${error ?? ''}`);
    return body.results ?? [];
  };

  const start = async (): Promise<void> => {
    const child = spawn(INFLUXD, ['run', '-config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + 30_000;
    while (
      (await fetch(`${url}/ping`).then(
        (r) => r.status,
        () => 0,
      )) !== 204
    ) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`influxd did not answer /ping on ${url}; its log:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const stop = async (): Promise<void> => {
    const child = running;
    running = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  // With no user yet, influxd takes the first admin without credentials.
  await query(
    `CREATE USER "${INFLUX_USER}" WITH PASSWORD '${INFLUX_PASSWORD}' WITH ALL PRIVILEGES`,
    undefined,
    false,
  );
  return {
    url,
    query: (q, db) => query(q, db),
    select: async (db, q) => {
      const [result] = await query(q, db);
      return (result?.series ?? []).flatMap(({ columns, values }) =>
        values.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]]))),
      );
    },
    write: async (db, lines) => {
      const response = await fetch(`${url}/write?${new URLSearchParams({ db, precision: 'ms' })}`, {
        method: 'POST',
        headers: { authorization: basic },
        body: lines,
      });
      if (response.status !== 204) throw new Error(`InfluxDB refused ${lines}: ${await response.text()}`);
    },
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/** `n` distinct free loopback ports: all held open until each is known. */
const freePorts = async (n: number): Promise<number[]> => {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
};
