/**
 * Live fan-out: 1,000 WebSocket clients, in another process, subscribed to one series the
 * way the dashboard subscribes (`{"subscribe": ["series:sensor-means"]}` on `/ws`), while
 * results flow. The platform runs embedded in this process (`tributary start`'s shape: the
 * pipeline on a worker thread, PGlite on its own thread, HTTP and the WebSocket on the main
 * thread); every 500 ms the benchmark POSTs readings of 10 sensors to
 * `/api/v1/streams/readings/events`, whose event times close the previous 500 ms tumbling
 * window, so 10 results a window are stored and published, 20 a second.
 *
 * Latency of every (result, client) pair, from the result produced to its frame received.
 * The frame carries no time of its own (a point is a key, its window's bounds and values),
 * so "produced" is read where the platform hands a stored result to live delivery: a
 * listener on `series:sensor-means` through `PlatformApi.subscribe`, the call the WebSocket
 * fan-out itself listens on. Both processes stamp with the machine's wall clock
 * (`performance.timeOrigin + performance.now()`). Reported beside it,
 * `fromClosingEvent`: the same arrivals from the moment the POST of the closing readings was
 * sent — an upper bound that also holds ingest, the pipeline and the store's flush.
 *
 * Every client must get every result: a (result, client) pair that never arrives counts in
 * `missed` and fails the run. The first windows of a run warm up and are not counted.
 *
 * The baseline, in the same run and the same process: a bare `ws` server
 * (ws-fanout-bare.ts) replays the frames the platform published just before in the same
 * round — the same points, at the same moments — to the same 1,000 clients, stamped and
 * measured the same way. Rounds alternate platform, baseline, …; percentiles pool every
 * pair of every round; the ratios are the platform's over the baseline's. Both processes
 * share the machine's cores, so a frame's last arrivals wait for the server to write 1,000
 * sockets one after another and for the clients to read them: the baseline bears the same.
 *
 * Target: p99 ≤ 100 ms, where Grafana Live documents several hundred milliseconds.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SeriesPoint } from '../src/contract/index.js';
import { Platform } from '../src/runtime/platform.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { info, REPS, report, round, SCALE } from './harness.js';
import { startBareFanout } from './ws-fanout-bare.js';
import type { ClientsAnswer, ClientsRequest, Collected, Latencies } from './ws-fanout-clients.js';
import { SERIES, sensorMeans, WINDOW_MS } from './ws-fanout-plan.js';

const CLIENTS = 1_000;
const SENSORS = 10;
const READINGS_PER_WINDOW = 5;
const WARMUP_WINDOWS = 3;
const MEASURED_WINDOWS = Math.max(4, Math.round(24 * SCALE));
/** A short run is a check of the plumbing: one round of each side keeps it near 15 s. */
const ROUNDS = Math.min(REPS, SCALE < 0.25 ? 1 : 2);
const TARGET_P99_MS = 100;
/** How long after the last result the clients may take before what is missing counts as missed. */
const GRACE_MS = 3_000;
const CHANNEL = `series:${SERIES}`;
const PLAN = fileURLToPath(new URL('./ws-fanout-plan.js', import.meta.url));
const CLIENTS_SCRIPT = fileURLToPath(new URL('./ws-fanout-clients.js', import.meta.url));

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const idOf = (point: { key: string; start: number }): string => `${point.key}\u0000${point.start}`;

/** One publish of the series as this process saw it: the baseline replays these. */
interface Published {
  readonly at: number;
  readonly points: readonly SeriesPoint[];
}

/** The clients' process and its request/answer exchange over IPC. */
class Clients {
  private readonly child: ChildProcess;
  private exited = false;

  constructor() {
    // Its stdout goes to stderr: stdout carries only the benchmark's JSON line.
    this.child = fork(CLIENTS_SCRIPT, [], {
      stdio: ['ignore', 2, 2, 'ipc'],
      execArgv: [],
      serialization: 'advanced',
    });
    this.child.once('exit', () => {
      this.exited = true;
    });
  }

  ask<T extends ClientsAnswer['type']>(
    request: ClientsRequest,
    type: T,
    timeoutMs: number,
  ): Promise<Extract<ClientsAnswer, { type: T }>> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (answer: ClientsAnswer) => {
        done();
        if (answer.type === type) resolve(answer as Extract<ClientsAnswer, { type: T }>);
        else if (answer.type === 'failed') reject(new Error(`the clients failed: ${answer.error}`));
        else reject(new Error(`the clients answered ${answer.type} to ${request.type}`));
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`the clients' process exited (${code}) during ${request.type}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the clients did not answer ${request.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(request);
    });
  }

  kill(): void {
    if (!this.exited) this.child.kill();
  }
}

/** Readings of every sensor inside window `n`; the first of window n + 1 closes window n. */
const readingsOf = (windowStart: number): string => {
  const lines: string[] = [];
  for (let r = 0; r < READINGS_PER_WINDOW; r++)
    for (let s = 0; s < SENSORS; s++) {
      const ts = windowStart + Math.floor((r * WINDOW_MS) / READINGS_PER_WINDOW);
      lines.push(JSON.stringify({ sensor: `sensor-${s}`, value: 20 + ((s * 7 + r * 3) % 11), ts }));
    }
  return lines.join('\n');
};

/**
 * POSTs one window of readings per WINDOW_MS of wall time, event time keeping pace; returns
 * the first window's start and when each POST was sent.
 */
const feed = async (baseUrl: string, windows: number): Promise<{ base: number; sentAt: number[] }> => {
  const base = Math.ceil(Date.now() / WINDOW_MS) * WINDOW_MS;
  const started = performance.now();
  const sentAt: number[] = [];
  for (let n = 0; n < windows; n++) {
    await sleep(started + n * WINDOW_MS - performance.now());
    sentAt.push(now());
    const response = await fetch(`${baseUrl}/api/v1/streams/readings/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: readingsOf(base + n * WINDOW_MS),
    });
    const answer = await response.text();
    if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${answer}`);
  }
  return { base, sentAt };
};

const until = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
};

interface PlatformRound {
  readonly collected: Collected;
  /** Measured results the platform never published (each one missed by every client). */
  readonly unpublished: number;
  readonly published: readonly Published[];
  readonly measured: ReadonlySet<string>;
}

const dataDirs = new Set<string>();

/** One round of the platform: start it, connect the clients, feed, collect, stop it. */
const platformRound = async (clients: Clients): Promise<PlatformRound> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-bench-ws-fanout-'));
  dataDirs.add(dataDir);
  const platform = new Platform({
    dataDir,
    store: { type: 'embedded' },
    sources: { readings: { type: 'http' } },
    pipelines: [sensorMeans],
    recipes: () => ({ kind: 'module', module: PLAN, export: 'sensorMeans' }),
    workers: 1,
    onError: (where, error) => info(`  ${where}: ${String(error)}`),
  });
  let server: RunningServer | undefined;
  let unsubscribe = () => {};
  try {
    const starting = performance.now();
    await platform.start();
    server = await startServer(platform, { port: 0 });
    info(`  platform: started in ${Math.round(performance.now() - starting)} ms`);
    const published: Published[] = [];
    unsubscribe = platform.subscribe(CHANNEL, (update) => {
      published.push({ at: now(), points: update as SeriesPoint[] });
    });
    const { ms } = await clients.ask(
      { type: 'connect', url: `${server.url.replace(/^http/, 'ws')}/ws`, channel: CHANNEL, clients: CLIENTS },
      'connected',
      60_000,
    );
    info(`  platform: ${CLIENTS} clients subscribed in ${Math.round(ms)} ms`);

    const { base, sentAt } = await feed(server.url, WARMUP_WINDOWS + MEASURED_WINDOWS + 1);
    const closingAt = new Map<string, number>();
    for (let n = WARMUP_WINDOWS; n < WARMUP_WINDOWS + MEASURED_WINDOWS; n++)
      for (let s = 0; s < SENSORS; s++)
        closingAt.set(idOf({ key: `sensor-${s}`, start: base + n * WINDOW_MS }), sentAt[n + 1]);
    const producedAt = new Map<string, number>();
    const take = () => {
      for (const { at, points } of published)
        for (const point of points) {
          const id = idOf(point);
          if (closingAt.has(id) && !producedAt.has(id)) producedAt.set(id, at);
        }
      return producedAt.size === closingAt.size;
    };
    if (!(await until(take, 10_000)))
      info(`  platform: only ${producedAt.size} of ${closingAt.size} results were published`);
    const ids = [...producedAt.keys()];
    const collected = await clients.ask(
      {
        type: 'collect',
        produced: {
          platform: ids.map((id) => [id, producedAt.get(id)!] as const),
          fromClosingEvent: ids.map((id) => [id, closingAt.get(id)!] as const),
        },
        graceMs: GRACE_MS,
      },
      'collected',
      GRACE_MS + 30_000,
    );
    return {
      collected,
      unpublished: closingAt.size - producedAt.size,
      published,
      measured: new Set(closingAt.keys()),
    };
  } finally {
    unsubscribe();
    const stopping = performance.now();
    await server?.close();
    await platform.stop();
    info(`  platform: stopped in ${Math.round(performance.now() - stopping)} ms`);
    await rm(dataDir, { recursive: true, force: true });
    dataDirs.delete(dataDir);
  }
};

/** One round of the baseline: the platform round's publishes replayed by a bare server. */
const bareRound = async (clients: Clients, replay: PlatformRound): Promise<Collected> => {
  const bare = await startBareFanout(CHANNEL, now);
  try {
    const { ms } = await clients.ask(
      { type: 'connect', url: bare.url, channel: CHANNEL, clients: CLIENTS },
      'connected',
      60_000,
    );
    info(`  baseline: ${CLIENTS} clients subscribed in ${Math.round(ms)} ms`);
    const produced: (readonly [string, number])[] = [];
    const first = replay.published[0]?.at ?? 0;
    const started = performance.now();
    for (const { at, points } of replay.published) {
      await sleep(started + (at - first) - performance.now());
      const sentAt = bare.broadcast(points);
      for (const point of points) if (replay.measured.has(idOf(point))) produced.push([idOf(point), sentAt]);
    }
    return await clients.ask(
      { type: 'collect', produced: { baseline: produced }, graceMs: GRACE_MS },
      'collected',
      GRACE_MS + 30_000,
    );
  } finally {
    await bare.close();
  }
};

const show = (l: Latencies | undefined): string =>
  l
    ? `min ${round(l.minMs, 1)} ms, p50 ${round(l.p50Ms, 1)} ms, p99 ${round(l.p99Ms, 1)} ms, max ${round(l.maxMs, 1)} ms`
    : 'nothing';

const clients = new Clients();
// However the process ends — a crash, Ctrl-C, a CI timeout's SIGTERM — the clients and
// the data directories go with it. A signal's default ends the process without 'exit'.
process.once('exit', () => {
  clients.kill();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
const onSignal = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143);
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

try {
  info(
    `ws-fanout: ${CLIENTS} clients on ${CHANNEL}, ${SENSORS} results every ${WINDOW_MS} ms, ` +
      `${MEASURED_WINDOWS} windows measured, ${ROUNDS} round(s)`,
  );
  const platformRuns: PlatformRound[] = [];
  const bareRuns: Collected[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const run = await platformRound(clients);
    platformRuns.push(run);
    info(
      `  round ${r} platform: ${show(run.collected.latencies.platform)}; ` +
        `${run.collected.results} results in ${run.collected.frames} frames, missed ${run.collected.missed}`,
    );
    const bare = await bareRound(clients, run);
    bareRuns.push(bare);
    info(`  round ${r} baseline: ${show(bare.latencies.baseline)}; missed ${bare.missed}`);
  }
  const { latencies } = await clients.ask({ type: 'report' }, 'reported', 30_000);
  const platform = latencies.platform;
  const baseline = latencies.baseline;
  const fromClosingEvent = latencies.fromClosingEvent;
  const sum = <T>(runs: readonly T[], field: (run: T) => number) =>
    runs.reduce((total, run) => total + field(run), 0);
  const missed = sum(platformRuns, (run) => run.collected.missed + run.unpublished * CLIENTS);
  const p99Ms = round(platform.p99Ms, 1);
  report({
    benchmark: 'ws-fanout',
    clients: CLIENTS,
    rounds: ROUNDS,
    results: sum(platformRuns, (run) => run.collected.results + run.unpublished),
    frames: sum(platformRuns, (run) => run.collected.frames),
    pairs: platform.pairs,
    p50Ms: round(platform.p50Ms, 1),
    p99Ms,
    maxMs: round(platform.maxMs, 1),
    from: 'the platform handing the stored result to live delivery',
    fromClosingEvent: { p50Ms: round(fromClosingEvent.p50Ms, 1), p99Ms: round(fromClosingEvent.p99Ms, 1) },
    baselineP50Ms: round(baseline.p50Ms, 1),
    baselineP99Ms: round(baseline.p99Ms, 1),
    baselineMaxMs: round(baseline.maxMs, 1),
    p50Ratio: round(platform.p50Ms / baseline.p50Ms, 2),
    p99Ratio: round(platform.p99Ms / baseline.p99Ms, 2),
    missed,
    missedFrames: sum(platformRuns, (run) => run.collected.missedFrames),
    duplicates: sum(platformRuns, (run) => run.collected.duplicates),
    baselineMissed: sum(bareRuns, (run) => run.missed),
    target: TARGET_P99_MS,
    pass: p99Ms <= TARGET_P99_MS && missed === 0,
  });
} finally {
  clients.kill();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
