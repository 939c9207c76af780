import { performance } from 'node:perf_hooks';
import { TributaryError } from '../../errors.js';
import type { Appender, Ingestor, IngestorStats } from '../ingestor.js';
import type { AppendRecord } from '../log/record-format.js';
import type { EventGenerator, Random } from './event-generator.js';

export interface GeneratorOptions {
  /** The source's name; also the topic unless `topic` says otherwise. */
  readonly name: string;
  readonly topic?: string;
  readonly generator: EventGenerator;
  /** Events per second, averaged over time. */
  readonly ratePerSecond: number;
  /** How often a batch is generated and appended. Default 50 ms. */
  readonly intervalMs?: number;
  /**
   * After a stall (a slow append, a blocked event loop) the generator makes up for at most
   * this much lost time, then forgets the rest. Default 1,000 ms.
   */
  readonly maxCatchUpMs?: number;
  /** The most events in one append. Default 10,000. */
  readonly maxBatch?: number;
  /** The share of events that are deliberately malformed, 0–1. Default 0.001. */
  readonly malformedFraction?: number;
  /** Decides which events are malformed. Default `Math.random`. */
  readonly random?: Random;
}

export interface GeneratorStats extends IngestorStats {
  /** Of `events`, how many were deliberately malformed. */
  readonly malformed: number;
}

export interface GeneratorIngestor extends Ingestor {
  stats(): GeneratorStats;
}

const DEFAULT_INTERVAL_MS = 50;
const DEFAULT_MAX_CATCH_UP_MS = 1_000;
const DEFAULT_MAX_BATCH = 10_000;
const DEFAULT_MALFORMED_FRACTION = 0.001;

const badConfig = (name: string, field: string, value: unknown, fix: string): TributaryError =>
  new TributaryError(
    'TRB_INGEST_BAD_CONFIG',
    `generator '${name}': ${field}: ${JSON.stringify(value) ?? String(value)} ${fix}`,
  );

const positive = (name: string, field: string, value: unknown, fallback: number, integer = false): number => {
  if (value === undefined) return fallback;
  if (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value > 0 &&
    (!integer || Number.isInteger(value))
  ) {
    return value;
  }
  throw badConfig(name, field, value, `is not a positive ${integer ? 'integer' : 'number'}`);
};

const resolve = (options: GeneratorOptions) => {
  const name = options?.name;
  if (typeof name !== 'string' || name === '') {
    throw badConfig(String(name), 'name', name, 'is not a name; give every source a non-empty name');
  }
  if (typeof options.generator?.next !== 'function' || typeof options.generator.malformed !== 'function') {
    throw badConfig(
      name,
      'generator',
      typeof options.generator,
      'is not an EventGenerator ({ next, malformed })',
    );
  }
  if (options.ratePerSecond === undefined) {
    throw badConfig(
      name,
      'ratePerSecond',
      undefined,
      'is missing; say how many events per second to generate',
    );
  }
  const fraction = options.malformedFraction ?? DEFAULT_MALFORMED_FRACTION;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    throw badConfig(name, 'malformedFraction', fraction, 'is not a fraction from 0 to 1 (0.001 is 0.1%)');
  }
  return {
    name,
    topic: options.topic ?? name,
    generator: options.generator,
    rate: positive(name, 'ratePerSecond', options.ratePerSecond, 0),
    intervalMs: positive(name, 'intervalMs', options.intervalMs, DEFAULT_INTERVAL_MS),
    maxCatchUpMs: positive(name, 'maxCatchUpMs', options.maxCatchUpMs, DEFAULT_MAX_CATCH_UP_MS),
    maxBatch: positive(name, 'maxBatch', options.maxBatch, DEFAULT_MAX_BATCH, true),
    fraction,
    random: options.random ?? Math.random,
  };
};

/**
 * Appends generated events to a topic at `ratePerSecond`, one batch per `intervalMs`. Each
 * batch is awaited before the next is made, so a slow log slows the generator and at most
 * one batch is in memory. The average rate stays accurate: fractional events carry over
 * to the next tick, and time lost to a stall is made up for, up to `maxCatchUpMs`.
 *
 * @example
 * const clicks = createGeneratorIngestor(
 *   { name: 'clicks', generator: createDemoGenerator('clicks'), ratePerSecond: 500 },
 *   log,
 * );
 * await clicks.start();
 */
export const createGeneratorIngestor = (options: GeneratorOptions, appender: Appender): GeneratorIngestor => {
  const config = resolve(options);
  const { name, topic, generator, rate, intervalMs, maxCatchUpMs, maxBatch, fraction, random } = config;
  const maxCredit = Math.max(1, (rate * (intervalMs + maxCatchUpMs)) / 1000);

  let running = false;
  // A tick of an earlier start() must not schedule into a later one.
  let run = 0;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let lastTick = 0;
  let credit = 0;
  let events = 0;
  let malformed = 0;
  let lastError: string | undefined;

  const batch = (count: number, spanMs: number): { records: AppendRecord[]; bad: number } => {
    const end = Date.now();
    const records: AppendRecord[] = new Array(count);
    let bad = 0;
    for (let i = 0; i < count; i++) {
      // Spread nominal times over the span the batch stands for, as if events trickled in.
      const now = Math.round(end - spanMs + ((i + 1) * spanMs) / count);
      const isBad = fraction > 0 && random() < fraction;
      const event = isBad ? generator.malformed(now) : generator.next(now);
      if (isBad) bad++;
      const value = Buffer.from(JSON.stringify(event.value) ?? 'null');
      records[i] = event.key === undefined ? { value } : { value, key: event.key };
    }
    return { records, bad };
  };

  const tick = async (ofRun: number): Promise<void> => {
    const started = performance.now();
    const elapsed = started - lastTick;
    lastTick = started;
    credit = Math.min(credit + (rate * elapsed) / 1000, maxCredit);
    const count = Math.min(Math.floor(credit), maxBatch);
    credit -= count;
    if (count > 0) {
      const { records, bad } = batch(count, Math.min(elapsed, intervalMs + maxCatchUpMs));
      try {
        await appender.append(topic, records);
        events += count;
        malformed += bad;
        lastError = undefined;
      } catch (error) {
        // Generated events are not input anyone sent: a failed batch is not retried.
        lastError = `generator '${name}': append to '${topic}' failed: ${(error as Error)?.message ?? String(error)}`;
      }
    }
    if (running && ofRun === run) schedule(Math.max(0, intervalMs - (performance.now() - started)));
  };

  const schedule = (delay: number): void => {
    const ofRun = run;
    timer = setTimeout(() => {
      timer = undefined;
      ticking = tick(ofRun).finally(() => {
        ticking = undefined;
      });
    }, delay);
  };

  return {
    name,
    async start() {
      if (running) return;
      await ticking;
      running = true;
      run++;
      lastTick = performance.now();
      credit = 0;
      schedule(intervalMs);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await ticking;
    },
    stats: () => ({ events, rejected: 0, malformed, active: running, ...(lastError ? { lastError } : {}) }),
  };
};
