/**
 * Processes of a deployment run as a user runs them: the built CLI in child processes,
 * their output kept for the failure message, and an exit nobody asked for reported.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLI, freePort } from '../../cli/helpers.js';

export interface Proc {
  readonly name: string;
  /** The CLI's arguments, e.g. `['worker', '--config', file]`. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  child?: ChildProcess;
  output: string;
  /** Its warnings and errors, whole: what a failure is explained by. */
  warnings: string[];
  /** Set when the process ended without being told to: the test stops there. */
  failed?: string;
}

const stopping = new WeakSet<ChildProcess>();

export const newProc = (
  name: string,
  args: readonly string[],
  env?: Readonly<Record<string, string>>,
): Proc => ({
  name,
  args,
  ...(env ? { env } : {}),
  output: '',
  warnings: [],
});

export const startProc = (proc: Proc): void => {
  const child = spawn(process.execPath, [CLI, ...proc.args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...proc.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => {
    proc.output = (proc.output + chunk).slice(-200_000);
    for (const line of String(chunk).split('\n'))
      if (/"level":"(warn|error|fatal)"/.test(line)) proc.warnings.push(line.slice(0, 600));
  });
  child.stderr!.on('data', (chunk) => {
    proc.output = (proc.output + chunk).slice(-200_000);
  });
  child.on('exit', (code, signal) => {
    if (proc.child === child && !stopping.has(child))
      proc.failed = `process ${proc.name} exited by itself (${code ?? signal}):\n${proc.output.slice(-3_000)}`;
  });
  proc.child = child;
};

/** Sends the signal and waits for the exit; nothing when it is not running. */
export const stopProc = async (proc: Proc, signal: NodeJS.Signals): Promise<void> => {
  const child = proc.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  stopping.add(child);
  child.kill(signal);
  await exited;
};

/** Throws the story of a process that ended by itself. */
export const checkAlive = (procs: readonly Proc[]): void => {
  for (const proc of procs) if (proc.failed) throw new Error(proc.failed);
};

/** The last lines of each process's output, for an assertion's message. */
export const tails = (procs: readonly Proc[], chars = 3_000): string =>
  procs.map((p) => `--- ${p.name}\n${p.output.slice(-chars)}`).join('\n');

/** A process of a deployment, as the tests address it. */
export interface Node {
  readonly proc: Proc;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
}

/**
 * Starts `tributary <command> --config <config>` as one process of a deployment: one file for
 * every process, what differs (port, data directory) from the environment, as in
 * docs/deployment.md. Added to `procs`.
 */
export const startNode = async (
  procs: Proc[],
  run: {
    readonly name: string;
    readonly command: 'api' | 'worker';
    readonly config: string;
    readonly dir: string;
  },
  env: Readonly<Record<string, string>>,
): Promise<Node> => {
  const port = await freePort();
  const proc = newProc(run.name, [run.command, '--config', run.config], {
    ...env,
    PORT: String(port),
    TRIBUTARY_DATA_DIR: join(run.dir, run.name),
  });
  procs.push(proc);
  startProc(proc);
  return { proc, url: `http://127.0.0.1:${port}` };
};
