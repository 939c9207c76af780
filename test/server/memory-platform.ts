import { Counter, Registry } from 'prom-client';
import type {
  AlertingApi,
  IngestEvent,
  IngestResult,
  PipelineStatus,
  PlatformApi,
  PlatformStats,
  SeriesInfo,
  SeriesPoint,
  SeriesQuery,
  StatsHistory,
  StoredRecord,
} from '../../src/contract/index.js';
import { TributaryError } from '../../src/errors.js';
import { StatsRecorder } from '../../src/runtime/status/stats-history.js';

/** A pipeline status as the runtime would report it, with overrides. */
export const pipelineStatus = (name: string, overrides: Partial<PipelineStatus> = {}): PipelineStatus => ({
  name,
  status: 'running',
  sources: ['clicks'],
  sinks: [`${name}-store`],
  eventsInPerSec: 0,
  eventsOutPerSec: 0,
  recordsIn: 0,
  recordsOut: 0,
  deadLetters: 0,
  lateEvents: 0,
  lag: 0,
  watermark: null,
  watermarkLagMs: null,
  lastCheckpoint: null,
  recovery: null,
  operators: [
    {
      id: 'source',
      kind: 'source',
      inputs: [],
      recordsIn: 0,
      recordsOut: 0,
      recordsOutPerSec: 0,
      deadLetters: 0,
      late: 0,
      watermark: null,
    },
  ],
  partitions: [],
  tasks: [
    {
      task: 'all',
      member: 'main',
      status: 'running',
      lag: 0,
      watermark: null,
      lastCheckpoint: null,
      recovery: null,
    },
  ],
  ...overrides,
});

/**
 * An in-memory platform behind the server's interface: streams are arrays (ingest appends
 * and returns the real offsets), series are stored points queried like the store does,
 * channels are listener sets the test publishes to, metrics a real prom-client registry.
 */
export class MemoryPlatform implements PlatformApi {
  readonly metrics = new Registry();
  isReady = true;
  /** Set to make the next ingest calls fail with it. */
  ingestFailure: Error | undefined;
  readonly logs = new Map<string, IngestEvent[]>();
  readonly ingestCalls: { stream: string; events: number }[] = [];
  readonly pipelineList: PipelineStatus[];
  readonly deadLetterRecords = new Map<string, StoredRecord[]>();
  readonly lateRecords = new Map<string, StoredRecord[]>();
  readonly storedPoints = new Map<string, SeriesPoint[]>();
  /** Set to serve the alert routes; without it they answer 404 as without an `alerts:` section. */
  alertingApi: AlertingApi | undefined;
  private readonly listeners = new Map<string, Set<(update: unknown) => void>>();
  private readonly startedAt = Date.now();
  private readonly eventsIn: Counter<'stream'>;

  constructor(options: { streams?: string[]; pipelines?: PipelineStatus[] } = {}) {
    for (const stream of options.streams ?? ['clicks', 'ticks']) this.logs.set(stream, []);
    this.pipelineList = options.pipelines ?? [
      pipelineStatus('clicks-per-page'),
      pipelineStatus('failed-logins'),
    ];
    this.eventsIn = new Counter({
      name: 'tributary_events_in_total',
      help: 'Events appended to the log, by stream.',
      labelNames: ['stream'],
      registers: [this.metrics],
    });
  }

  ready(): boolean {
    return this.isReady;
  }

  /** What `statsHistory` answers: as a process records its stats each second. */
  readonly recorded = new StatsRecorder();

  statsHistory(): StatsHistory {
    return this.recorded.history();
  }

  stats(): PlatformStats {
    let total = 0;
    for (const log of this.logs.values()) total += log.length;
    return {
      eventsInPerSec: total,
      eventsOutPerSec: 0,
      activeSources: this.logs.size,
      latencyMs: { p50: total > 0 ? 1.5 : null, p99: total > 0 ? 7 : null },
      deadLettered: [...this.deadLetterRecords.values()].reduce((n, r) => n + r.length, 0),
      lateEvents: [...this.lateRecords.values()].reduce((n, r) => n + r.length, 0),
      uptimeSec: (Date.now() - this.startedAt) / 1000,
    };
  }

  pipelines(): PipelineStatus[] {
    return this.pipelineList;
  }

  pipeline(name: string): PipelineStatus | undefined {
    return this.pipelineList.find((p) => p.name === name);
  }

  deadLetters(pipeline: string, limit: number): StoredRecord[] {
    return (this.deadLetterRecords.get(pipeline) ?? []).slice(-limit);
  }

  lateEvents(pipeline: string, limit: number): StoredRecord[] {
    return (this.lateRecords.get(pipeline) ?? []).slice(-limit);
  }

  streams(): string[] {
    return [...this.logs.keys()];
  }

  async ingest(stream: string, events: readonly IngestEvent[]): Promise<IngestResult> {
    this.ingestCalls.push({ stream, events: events.length });
    if (this.ingestFailure) throw this.ingestFailure;
    const log = this.logs.get(stream);
    if (!log) throw new TributaryError('TRB_UNKNOWN_SOURCE', `no stream ${stream}`);
    const firstOffset = log.length;
    for (const event of events) log.push(event);
    this.eventsIn.inc({ stream }, events.length);
    const lastOffset = log.length - 1;
    return {
      accepted: events.length,
      firstOffset,
      lastOffset,
      partitions: [{ partition: 0, firstOffset, lastOffset }],
    };
  }

  store(series: string, points: SeriesPoint[]): void {
    this.storedPoints.set(series, [...(this.storedPoints.get(series) ?? []), ...points]);
  }

  async querySeries(name: string, query: SeriesQuery): Promise<SeriesPoint[]> {
    const keys =
      query.key === undefined ? undefined : new Set(typeof query.key === 'string' ? [query.key] : query.key);
    let points = (this.storedPoints.get(name) ?? []).filter(
      (p) => p.start >= query.from && p.start < query.to && (!keys || keys.has(p.key)),
    );
    if (query.step !== undefined) points = bucket(points, query.step, query.agg ?? 'avg');
    points.sort((a, b) => a.start - b.start || a.key.localeCompare(b.key));
    if (query.fields) {
      const fields = query.fields;
      points = points.map((p) => ({ ...p, values: Object.fromEntries(fields.map((f) => [f, p.values[f]])) }));
    }
    return points.slice(0, query.limit ?? points.length);
  }

  /** Series a pipeline stores into, as a configuration declares them. */
  declared: string[] = [];

  declaredSeries(): readonly string[] {
    return this.declared;
  }

  async listSeries(): Promise<SeriesInfo[]> {
    return [...this.storedPoints].map(([name, points]) => ({
      name,
      keys: new Set(points.map((p) => p.key)).size,
      rows: points.length,
      firstStart: Math.min(...points.map((p) => p.start)),
      lastStart: Math.max(...points.map((p) => p.start)),
      lastEnd: Math.max(...points.map((p) => p.end)),
    }));
  }

  /** The store's answer: the newest window of each key (the cache is Redis', tested with it). */
  async latestOfSeries(
    name: string,
    keys?: readonly string[],
  ): Promise<{ source: 'store'; points: SeriesPoint[] }> {
    const newest = new Map<string, SeriesPoint>();
    for (const p of this.storedPoints.get(name) ?? []) {
      const held = newest.get(p.key);
      if ((!keys || keys.includes(p.key)) && (!held || p.start > held.start)) newest.set(p.key, p);
    }
    return { source: 'store', points: [...newest.values()].sort((a, b) => a.key.localeCompare(b.key)) };
  }

  alerting(): AlertingApi | undefined {
    return this.alertingApi;
  }

  subscribe(channel: string, listener: (update: unknown) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(channel);
    };
  }

  /** What the runtime does when a channel has news. */
  publish(channel: string, update: unknown): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(update);
  }

  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
}

const bucket = (points: SeriesPoint[], step: number, agg: string): SeriesPoint[] => {
  const buckets = new Map<string, SeriesPoint[]>();
  for (const p of points) {
    const start = Math.floor(p.start / step) * step;
    const id = `${p.key}\u0000${start}`;
    buckets.set(id, [...(buckets.get(id) ?? []), { ...p, start }]);
  }
  return [...buckets.values()].map((group) => {
    const values: Record<string, unknown> = {};
    for (const field of Object.keys(group[0].values)) {
      const numbers = group.map((p) => p.values[field]).filter((v): v is number => typeof v === 'number');
      const sum = numbers.reduce((a, b) => a + b, 0);
      values[field] =
        agg === 'sum'
          ? sum
          : agg === 'min'
            ? Math.min(...numbers)
            : agg === 'max'
              ? Math.max(...numbers)
              : agg === 'count'
                ? numbers.length
                : agg === 'last'
                  ? numbers[numbers.length - 1]
                  : sum / numbers.length;
    }
    return { key: group[0].key, start: group[0].start, end: group[0].start + step, values };
  });
};
