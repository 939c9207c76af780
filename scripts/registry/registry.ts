/**
 * A real Confluent-compatible schema registry for development, tests and CI, without
 * Docker: Apicurio Registry 3 from Maven Central (install.ts), one JVM on 127.0.0.1 with
 * in-memory storage, its Confluent API (`/apis/ccompat/v7`) checking BACKWARD
 * compatibility like a Confluent registry does by default.
 *
 * @example
 * const registry = await startRegistry();
 * // registry.url: 'http://127.0.0.1:40123/apis/ccompat/v7'
 * await registry.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Log, logToStderr } from '../kafka/install.js';
import { close, exitOf, freePorts, listen, logTail, STOP_GRACE_MS, stopProcess } from '../kafka/processes.js';
import { RegistryServerError } from './errors.js';
import { installRegistry, registryJava } from './install.js';

export { RegistryServerError } from './errors.js';
export { APICURIO_VERSION, installRegistry, registryHome, registryJava } from './install.js';

/** The path of the Confluent-compatible API under the registry's root. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export interface StartRegistryOptions {
  /** Keeps the registry's log (logs/stdout.log) here. A temporary folder, removed at stop, when absent. */
  readonly dir?: string;
  /** The HTTP port. A free one when absent. */
  readonly port?: number;
  /** -Xmx of the JVM. */
  readonly heapMb?: number;
  /** How long the registry may take to answer; 6–22 s were measured on a 2-core machine. */
  readonly readyTimeoutMs?: number;
  readonly log?: Log;
}

export interface RunningRegistry {
  /** `http://127.0.0.1:PORT/apis/ccompat/v7`: the base URL a Confluent client takes. */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, SIGKILL after 10 s, and back once the JVM is gone. */
  stop(): Promise<void>;
}

/**
 * Installs Apicurio when needed, starts it and returns once its Confluent API answers and
 * its global compatibility is BACKWARD. On a failure the JVM is killed and the error
 * (RegistryServerError) carries the last lines of its log.
 */
export const startRegistry = async (options: StartRegistryOptions = {}): Promise<RunningRegistry> => {
  const runJar = await installRegistry(options.log ?? logToStderr);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'tributary-registry-')));
  const removeDir =
    options.dir === undefined ? () => rm(dir, { recursive: true, force: true }) : async () => {};
  let started: StartedRegistry | undefined;
  try {
    const [port, managementPort] = await choosePorts(options.port);
    started = await spawnRegistry(runJar, dir, port, managementPort, options.heapMb ?? 512);
    const url = `http://127.0.0.1:${port}${CCOMPAT_PATH}`;
    await awaitReady(started, url, dir, options.readyTimeoutMs ?? 120_000);
    await requireBackwardCompatibility(url);
    const { pid } = started;
    let stopping: Promise<void> | undefined;
    return { url, pid, stop: () => (stopping ??= stopProcess(pid, STOP_GRACE_MS).then(removeDir)) };
  } catch (error) {
    if (started) await stopProcess(started.pid, 0);
    await removeDir();
    throw error;
  }
};

interface StartedRegistry {
  readonly pid: number;
  /** Settles when the JVM exits, with its exit code or signal. */
  readonly exited: Promise<number | string>;
}

/**
 * The HTTP port and the one of Quarkus' management interface (health, metrics), which
 * Apicurio's build enables: it cannot be turned off when the server starts, only moved.
 */
const choosePorts = async (port: number | undefined): Promise<number[]> => {
  if (port === undefined) return freePorts(2);
  // Refuses a taken port now, with the fix, rather than as a bind error deep in the registry's log.
  const held = await listen(port).catch((error: unknown) => {
    throw new RegistryServerError(
      'REGISTRY_PORT_IN_USE',
      `port ${port} on 127.0.0.1 is in use: stop what holds it (another registry?) or choose another port.`,
      { cause: error },
    );
  });
  try {
    return [port, ...(await freePorts(1))];
  } finally {
    await close([held]);
  }
};

const spawnRegistry = async (
  runJar: string,
  dir: string,
  port: number,
  managementPort: number,
  heapMb: number,
): Promise<StartedRegistry> => {
  const logs = join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  // Quarkus logs to the console: the JVM's own messages and the registry's go to one file.
  const out = openSync(join(logs, 'stdout.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      registryJava(),
      [
        `-Xmx${heapMb}m`,
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        '-Dquarkus.http.host=127.0.0.1',
        `-Dquarkus.http.port=${port}`,
        '-Dquarkus.management.host=127.0.0.1',
        `-Dquarkus.management.port=${managementPort}`,
        '-jar',
        runJar,
      ],
      { cwd: dir, stdio: ['ignore', out, out] },
    );
  } finally {
    closeSync(out);
  }
  const exited = exitOf(child);
  if (child.pid === undefined)
    throw new RegistryServerError('REGISTRY_EXITED', `java did not start: ${await exited}`);
  return { pid: child.pid, exited };
};

/** Answers 200 once the ccompat API is up; before that the port refuses or answers 503. */
const answers = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
};

const awaitReady = async (
  started: StartedRegistry,
  url: string,
  dir: string,
  timeoutMs: number,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void started.exited.then((how) => (exit = how));
  while (!(await answers(url))) {
    if (exit !== undefined) {
      throw new RegistryServerError(
        'REGISTRY_EXITED',
        `the schema registry exited (${exit}) while starting:\n${await logTail(dir)}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new RegistryServerError(
        'REGISTRY_NOT_READY',
        `the schema registry (${url}) did not answer within ${Math.round(timeoutMs / 1000)} s:\n${await logTail(dir)}`,
      );
    }
    await sleep(250);
  }
};

/** Apicurio's default is NONE; a Confluent registry's is BACKWARD, which the tests and producers expect. */
const requireBackwardCompatibility = async (url: string): Promise<void> => {
  const response = await fetch(`${url}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: 'BACKWARD' }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await response.text();
  if (!response.ok) {
    throw new RegistryServerError(
      'REGISTRY_NOT_READY',
      `the schema registry refused global compatibility BACKWARD (${response.status}): ${answer}`,
    );
  }
};
