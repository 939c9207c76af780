/**
 * The results a contender wrote to its output topic, read back as a consumer of them would:
 * from the start, `read_committed`, each stamped with when it arrived. The results are JSON
 * `{"key","start","end","clicks"}`, one per closed window — as Tributary's Kafka sink and
 * the Kafka Streams contender write them.
 */
import { KafkaSource } from '../../src/connectors/kafka/kafka-source.js';
import { valueAt } from '../../src/connectors/source.js';
import { freshGroupId } from './groups.js';
import { WINDOW_MS, type WindowCounts, windowKey } from './reference.js';

export interface Result {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly clicks: number;
  readonly partition: number;
  /** When the reader received it (epoch ms, `now()`). */
  readonly at: number;
}

/** Epoch milliseconds with the monotonic clock's resolution, comparable with another process's wall clock. */
export const now = (): number => performance.timeOrigin + performance.now();

/**
 * The reference without the windows of the closing clicks (fill-topic.ts): the last window,
 * still open when the topic ends, so no contender that emits closed windows writes them.
 */
export const closedWindows = (reference: WindowCounts): WindowCounts => {
  const startOf = (key: string): number => Number(key.slice(key.lastIndexOf('|') + 1));
  let openFrom = Number.NEGATIVE_INFINITY;
  for (const key of reference.keys()) openFrom = Math.max(openFrom, startOf(key));
  return new Map([...reference].filter(([key]) => startOf(key) < openFrom));
};

/** The results as counts, and how many came twice or for a window that is not 10 s long. */
export const countsOf = (results: readonly Result[]): { counts: WindowCounts; duplicates: number } => {
  const counts: WindowCounts = new Map();
  let duplicates = 0;
  for (const result of results) {
    const key = windowKey(result.key, result.start);
    if (counts.has(key) || result.end - result.start !== WINDOW_MS) duplicates++;
    counts.set(key, result.clicks);
  }
  return { counts, duplicates };
};

/** The `q` quantile (0–1) of `xs`, by rank; NaN when there are none. */
export const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

/**
 * Reads the output topic with the product's own Kafka source, which rides out a fetch the
 * broker refuses (a fetch session reset, an offset out of range) as the pipelines do.
 */
export class ResultReader {
  readonly results: Result[] = [];
  private readonly source: KafkaSource;
  private reading: Promise<void> | undefined;
  private closed = false;
  private failure: unknown;

  constructor(
    brokers: string,
    private readonly topic: string,
  ) {
    this.source = new KafkaSource('bench-results', {
      cluster: { brokers: brokers.split(','), clientId: 'tributary-bench-results', requestTimeoutMs: 10_000 },
      topic,
      group: freshGroupId('results'),
      start: 'earliest',
    });
  }

  /** Resolves once the reader has its partitions. */
  async start(): Promise<void> {
    this.source.assign(await this.source.partitions());
    this.reading = this.read().catch((error: unknown) => {
      this.failure = error;
    });
  }

  private async read(): Promise<void> {
    while (!this.closed) {
      const batch = await this.source.read(10_000);
      if (!batch) {
        await this.source.waitForRecords(100);
        continue;
      }
      const at = now();
      for (let i = 0; i < batch.count; i++) {
        const value = JSON.parse(Buffer.from(valueAt(batch, i)).toString('utf8')) as Omit<
          Result,
          'partition' | 'at'
        >;
        this.results.push({ ...value, partition: batch.partition, at });
      }
    }
  }

  /** Throws what failed the reading, if anything did. */
  check(): void {
    if (this.failure !== undefined) throw new Error(`reading ${this.topic} failed`, { cause: this.failure });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reading;
    await this.source.close();
  }
}
