/**
 * The other programs a contender runs (a JVM of Kafka's tools, a Python interpreter), each
 * bounded in time and killed with the benchmark: on SIGINT (broker.ts calls
 * `killCommands`) and, as a last resort, when this process exits for any other reason.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface CommandResult {
  /** null when it was killed (its time was up, or the benchmark was interrupted). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From the spawn to the exit, in milliseconds. */
  readonly wallMs: number;
}

const running = new Set<ChildProcess>();

/** SIGKILL to every command still running; synchronous, so an `exit` handler can call it. */
export const killCommands = (): void => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
};

process.once('exit', killCommands);

/** Runs `command` to its end, with stdout and stderr kept apart; SIGKILL after `timeoutMs`. */
export const runCommand = (
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<CommandResult> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => {
      running.delete(child);
      reject(error);
    });
    child.once('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr, wallMs: performance.now() - started });
    });
  });

/** The last lines of a command's output, for an error message. */
export const tail = (text: string, lines = 15): string => text.trimEnd().split('\n').slice(-lines).join('\n');
