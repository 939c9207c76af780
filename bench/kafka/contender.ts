/**
 * A contender of the Kafka benchmarks, and how its runs are summed up for the JSON line.
 *
 * The task of every contender: read `topic` (filled by fill-topic.ts: `events` JSON clicks
 * over 6 partitions, keyed by user) from its earliest offset as a consumer group of its own
 * (groups.ts: `freshGroupId(name)`), count the clicks per user per 10 s tumbling window of
 * their `timestamp`, and stop once all `events` are in — or, for a contender that does not
 * compute (the ceiling, the raw client), only read them.
 *
 * The rules that make contenders comparable:
 * - `eventsPerSec` is `events` over the time from the group join handing the contender its
 *   partitions to the last record counted — Kafka's ConsumerPerformance's own rule
 *   (`fetch.nMsg.sec`). Starting a process or JVM and joining the group are left out (report
 *   them in `details`: `joinMs`); finding the start offsets and every fetch are in. Not from
 *   the first record: a client whose first fetch brings most of the topic (50 MB per
 *   partition by default in `@platformatic/kafka`) would leave most of its work out.
 * - A contender that computes the counts returns `resultsMatch`: `resultsMatch(reference,
 *   its counts, name)` from reference.ts. One that writes its results to a topic reads them
 *   back for that.
 * - `rssMb` is the peak resident memory of the contender's own process, when it has one.
 * - `p99LatencyMs`, for a contender that measures one: its file says from what to what (on
 *   a backlog, time since a record was written means little).
 * - It leaves nothing running, and bounds its own time (a missing record is an error, not
 *   a hang).
 *
 * @example
 * // kafka-throughput.ts: a contender is one line of CONTENDERS.
 * const CONTENDERS = { ceiling: consumerPerformance, naivePython, client: clientConsume(),
 *   tributaryExactlyOnce: tributary('exactly-once'), tributaryAtLeastOnce: tributary('at-least-once') };
 */
import { median, round } from '../harness.js';
import type { WindowCounts } from './reference.js';

export interface ContenderRun {
  readonly eventsPerSec: number;
  readonly p99LatencyMs?: number;
  readonly rssMb?: number;
  readonly resultsMatch?: boolean;
  /** Other figures of the run (`joinMs`, `mibPerSec`, …): reported as their medians. */
  readonly details?: Readonly<Record<string, number>>;
}

export type Contender = (
  topic: string,
  brokers: string,
  events: number,
  reference: WindowCounts,
) => Promise<ContenderRun>;

/**
 * A contender's timed runs as the JSON line shows them: medians of the rates, latencies and
 * details, every rate in run order, the largest RSS, and whether every run matched.
 */
export const summarize = (runs: readonly ContenderRun[]): Record<string, unknown> => {
  const values = <T>(pick: (run: ContenderRun) => T | undefined): T[] =>
    runs.map(pick).filter((v): v is T => v !== undefined);
  const latencies = values((r) => r.p99LatencyMs);
  const rss = values((r) => r.rssMb);
  const matches = values((r) => r.resultsMatch);
  const detailNames = [...new Set(runs.flatMap((r) => Object.keys(r.details ?? {})))];
  return {
    eventsPerSec: round(median(runs.map((r) => r.eventsPerSec))),
    runs: runs.map((r) => round(r.eventsPerSec)),
    ...(latencies.length > 0 && { p99LatencyMs: round(median(latencies), 1) }),
    ...(rss.length > 0 && { rssMb: round(Math.max(...rss), 1) }),
    ...(matches.length > 0 && { resultsMatch: matches.every(Boolean) }),
    ...Object.fromEntries(
      detailNames.map((name) => [name, round(median(values((r) => r.details?.[name])), 1)]),
    ),
  };
};

/** One line of progress for a run. */
export const describeRun = (run: ContenderRun): string =>
  [
    `${Math.round(run.eventsPerSec).toLocaleString('en')} events/s`,
    ...(run.rssMb !== undefined ? [`RSS ${run.rssMb.toFixed(0)} MB`] : []),
    ...(run.p99LatencyMs !== undefined ? [`p99 ${run.p99LatencyMs.toFixed(1)} ms`] : []),
    ...(run.resultsMatch !== undefined ? [run.resultsMatch ? 'results match' : 'RESULTS DIFFER'] : []),
    ...Object.entries(run.details ?? {}).map(([name, value]) => `${name} ${round(value, 1)}`),
  ].join(', ');
