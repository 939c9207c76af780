/**
 * Running the JVMs of the local broker and stopping them, whether this process started
 * them or an earlier one did (the pid file each node leaves in its folder). The local
 * schema registry (scripts/registry/) runs and stops its JVM with the same helpers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** SIGTERM lets Kafka close its logs cleanly, which makes its next start on the same folder faster. */
export const STOP_GRACE_MS = 10_000;

export const PID_FILE = 'kafka.pid';

export interface Finished {
  readonly code: number | null;
  /** stdout and stderr together, in the order they came. */
  readonly output: string;
}

export interface RunOptions {
  /** Kills the command (SIGKILL) when it hangs. */
  readonly timeoutMs?: number;
  /** Kills the command when its result is no longer wanted. */
  readonly signal?: AbortSignal;
}

/** Runs a command to its end; a killed one ends with code null. */
export const run = (command: string, args: readonly string[], options: RunOptions = {}): Promise<Finished> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
      killSignal: 'SIGKILL',
      signal: options.signal,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', (error) => (error.name === 'AbortError' ? undefined : reject(error)));
    child.on('close', (code) => resolve({ code, output }));
  });

/** A server on 127.0.0.1:PORT (0: a free one), to hold a port or to prove it free. */
export const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

export const close = (servers: readonly Server[]) =>
  Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));

/** All held open at once, so that no two of them are the same port. */
export const freePorts = async (count: number): Promise<number[]> => {
  const servers = await Promise.all(Array.from({ length: count }, () => listen(0)));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await close(servers);
  return ports;
};

/** How a started child ends: its exit code or signal, or why it could not start. */
export const exitOf = (child: ChildProcess): Promise<number | string> =>
  new Promise((resolve) => {
    child.on('error', (error) => resolve(error.message));
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

const waitForExit = async (pid: number, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
};

/** SIGTERM, SIGKILL after `graceMs`, and back once the process is gone. */
export const stopProcess = async (pid: number, graceMs = STOP_GRACE_MS): Promise<void> => {
  signal(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  if (await waitForExit(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, 10_000))) throw new Error(`process ${pid} is still alive after SIGKILL`);
};

/**
 * A pid file can outlive its process, and the pid be taken by another one since: on
 * Linux only a JVM that runs kafka.Kafka is stopped.
 */
const runsKafka = async (pid: number): Promise<boolean> => {
  if (!existsSync('/proc/self')) return isAlive(pid);
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('kafka.Kafka');
  } catch {
    return false;
  }
};

/** Stops the nodes whose pid files are in DIR/node-N/; returns the pids it stopped. */
export const stopFromPidFiles = async (dir: string, graceMs = STOP_GRACE_MS): Promise<number[]> => {
  const nodeDirs = existsSync(dir) ? (await readdir(dir)).filter((name) => /^node-\d+$/.test(name)) : [];
  const pidFiles = nodeDirs.map((name) => join(dir, name, PID_FILE)).filter((file) => existsSync(file));
  const pids = await Promise.all(pidFiles.map(async (file) => Number((await readFile(file, 'utf8')).trim())));
  const running = (await Promise.all(pids.map(async (pid) => ((await runsKafka(pid)) ? pid : 0)))).filter(
    (pid) => pid > 0,
  );
  await Promise.all(running.map((pid) => stopProcess(pid, graceMs)));
  await Promise.all(pidFiles.map((file) => rm(file, { force: true })));
  return running;
};

/** The last lines of a node's logs, for an error message that shows why it did not start. */
export const logTail = async (nodeDir: string, lines = 25): Promise<string> => {
  const parts = await Promise.all(
    ['server.log', 'stdout.log'].map(async (name) => {
      const file = join(nodeDir, 'logs', name);
      if (!existsSync(file)) return '';
      const text = (await readFile(file, 'utf8')).trimEnd();
      return text ? `--- ${file} (last lines)\n${text.split('\n').slice(-lines).join('\n')}` : '';
    }),
  );
  return parts.filter(Boolean).join('\n') || `(no log in ${join(nodeDir, 'logs')})`;
};
