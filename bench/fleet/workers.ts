/**
 * `tributary worker` processes as a deployment runs them: the built CLI, one configuration
 * file for all of them, each with a data directory of its own and a port the OS picks
 * (`PORT=0`: the worker logs the URL it serves). Their JSON logs are what the benchmark
 * times the consumer group by: each line that says the group assigned or revoked partitions
 * carries the worker's own clock (same machine, so comparable with `Date.now()` here).
 *
 * Every process started here is SIGKILLed when the benchmark's process exits, whatever the
 * reason; `stop` asks them to leave gracefully first, so that their consumer group empties
 * and can be deleted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/index.js', import.meta.url));
/** What a worker may take to checkpoint and leave on SIGTERM before it is killed. */
const STOP_WITHIN_MS = 20_000;
const OUTPUT_KEPT = 20_000;

/** Partitions the consumer group handed to a worker, or took from it. */
export interface PartitionMove {
  readonly worker: string;
  readonly kind: 'assigned' | 'revoked';
  readonly partitions: readonly number[];
  /** Epoch milliseconds, from the log line. */
  readonly at: number;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One `tributary worker --config FILE` process. */
class WorkerProcess {
  readonly moves: PartitionMove[] = [];
  /** Its error and fatal log lines, as `task 4 TRB_…` where they carry a code: what a stuck run is explained by. */
  readonly errors: string[] = [];
  /** Where it serves /readyz, once it logged that it runs. */
  url: string | undefined;
  /** Why it ended before it was told to. */
  failure: string | undefined;
  private output = '';
  private partial = '';
  private stopping = false;
  private readonly child: ChildProcess;
  private readonly logFile: WriteStream | undefined;

  constructor(
    readonly name: string,
    config: string,
    env: Readonly<Record<string, string>>,
    logFile?: string,
  ) {
    this.logFile = logFile ? createWriteStream(logFile) : undefined;
    this.child = spawn(process.execPath, [CLI, 'worker', '--config', config], {
      env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.read(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.keep(chunk));
    this.child.once('exit', (code, signal) => {
      running.delete(this.child);
      this.logFile?.end();
      if (!this.stopping)
        this.failure = `${this.name} exited by itself (${code ?? signal}):\n${this.output.slice(-3_000)}`;
    });
  }

  /** Its peak resident memory so far (VmHWM), in MB; undefined where /proc does not say. */
  peakRssMb(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
      return kb === undefined ? undefined : Number(kb) / 1024;
    } catch {
      return undefined;
    }
  }

  /** SIGTERM (it checkpoints and leaves the group), SIGKILL if it takes longer than STOP_WITHIN_MS. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WITHIN_MS);
    await exited;
    clearTimeout(timer);
  }

  tail(chars = 3_000): string {
    return `--- ${this.name}\n${this.output.slice(-chars)}`;
  }

  private keep(text: string): void {
    this.logFile?.write(text);
    this.output = (this.output + text).slice(-OUTPUT_KEPT);
  }

  private read(chunk: string): void {
    this.keep(chunk);
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.readLine(line);
  }

  private readLine(line: string): void {
    if (!line.startsWith('{')) return;
    let entry: {
      level?: string;
      time?: string;
      msg?: string;
      url?: string;
      partitions?: number[];
      task?: string;
      error?: { code?: string };
    };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    const { msg = '', time, partitions } = entry;
    // The messages of src/runtime/assignment/pipeline-groups.ts and src/cli/worker.ts.
    const kind = msg.includes('assigned partitions here')
      ? 'assigned'
      : msg.includes('revoked partitions')
        ? 'revoked'
        : undefined;
    if (kind && time && partitions)
      this.moves.push({ worker: this.name, kind, partitions, at: Date.parse(time) });
    else if (entry.url && /is running/.test(msg)) this.url = entry.url;
    else if (entry.level === 'error' || entry.level === 'fatal') {
      const code = entry.error?.code;
      this.errors.push(code ? `${entry.task ? `task ${entry.task} ` : ''}${code}` : msg.slice(0, 200));
    }
  }
}

/** `count` workers started at once on `config`, their data directories under `dir`. */
export class WorkerFleet {
  readonly workers: WorkerProcess[];
  /** Epoch milliseconds of the spawn. */
  readonly spawnedAt = Date.now();

  /** `logs`: a folder to write each worker's whole output to, as `<label>-worker-<n>.log`. */
  constructor(
    count: number,
    config: string,
    dir: string,
    env: Readonly<Record<string, string>>,
    logs?: { readonly dir: string; readonly label: string },
  ) {
    this.workers = Array.from({ length: count }, (_, i) => {
      const name = `worker-${i + 1}`;
      const logFile = logs && join(logs.dir, `${logs.label}-${name}.log`);
      return new WorkerProcess(name, config, { ...env, TRIBUTARY_DATA_DIR: join(dir, name) }, logFile);
    });
  }

  /** Throws the story of a worker that ended by itself. */
  checkAlive(): void {
    const failed = this.workers.find((w) => w.failure);
    if (failed) throw new Error(failed.failure);
  }

  /** Resolves at the epoch milliseconds when the last worker's /readyz answered 200. */
  async ready(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const readyAt = new Map<WorkerProcess, number>();
    while (readyAt.size < this.workers.length) {
      this.checkAlive();
      if (Date.now() > deadline)
        throw new Error(`workers not ready in ${timeoutMs / 1000} s:\n${this.tails()}`);
      await Promise.all(
        this.workers
          .filter((w) => w.url && !readyAt.has(w))
          .map(async (w) => {
            const ok = await fetch(`${w.url}/readyz`).then(
              (r) => r.ok,
              () => false,
            );
            if (ok) readyAt.set(w, Date.now());
          }),
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Math.max(...readyAt.values());
  }

  /** Every assignment and revocation so far, in time order. */
  moves(): PartitionMove[] {
    return this.workers.flatMap((w) => w.moves).sort((a, b) => a.at - b.at);
  }

  /** Every worker's error log lines, each after its worker's name. */
  errors(): string[] {
    return this.workers.flatMap((w) => w.errors.map((message) => `${w.name}: ${message}`));
  }

  /** The largest peak RSS of any worker, in MB. */
  peakRssMb(): number | undefined {
    const peaks = this.workers.map((w) => w.peakRssMb()).filter((mb) => mb !== undefined);
    return peaks.length > 0 ? Math.max(...peaks) : undefined;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  tails(): string {
    return this.workers.map((w) => w.tail()).join('\n');
  }
}
