/**
 * What ClicksPerUser (the Kafka Streams contender's JVM) says on stdout, one line at a time
 * (Progress.java lists the lines), and what a run's lines add up to: when its tasks started,
 * when each window closed, when the last record was through, and how it ended.
 *
 * @example
 * const timeline = new AppTimeline();
 * timeline.add(parseAppLine('closed 3 1767225610000 1767225600123.456'));
 * timeline.closedAt(3, 1767225610000); // 1767225600123.456
 */
import { compatibilityPartitioner } from '@platformatic/kafka';

export type AppLine =
  | { readonly kind: 'starting' | 'running' | 'done'; readonly at: number }
  | { readonly kind: 'assigned'; readonly partition: number; readonly at: number }
  | { readonly kind: 'closed'; readonly partition: number; readonly through: number; readonly at: number }
  | {
      readonly kind: 'stopped';
      readonly peakRssKb: number;
      readonly droppedRecords: number;
      readonly behindMs: number;
      readonly closedCleanly: boolean;
    }
  | { readonly kind: 'failed'; readonly why: string };

export type StoppedLine = Extract<AppLine, { kind: 'stopped' }>;

/** The line as an AppLine; undefined for anything else (a JVM's own warning on stdout). */
export const parseAppLine = (line: string): AppLine | undefined => {
  const [kind, ...words] = line.trim().split(' ');
  const numbers = words.map(Number);
  const numeric = (count: number): boolean => words.length === count && numbers.every(Number.isFinite);
  switch (kind) {
    case 'starting':
    case 'running':
    case 'done':
      return numeric(1) ? { kind, at: numbers[0] } : undefined;
    case 'assigned':
      return numeric(2) ? { kind, partition: numbers[0], at: numbers[1] } : undefined;
    case 'closed':
      return numeric(3) ? { kind, partition: numbers[0], through: numbers[1], at: numbers[2] } : undefined;
    case 'stopped':
      return words.length === 4 &&
        numbers.slice(0, 3).every(Number.isFinite) &&
        (words[3] === 'true' || words[3] === 'false')
        ? {
            kind,
            peakRssKb: numbers[0],
            droppedRecords: numbers[1],
            behindMs: numbers[2],
            closedCleanly: words[3] === 'true',
          }
        : undefined;
    case 'failed':
      return { kind, why: words.join(' ') || 'no reason given' };
    default:
      return undefined;
  }
};

/** The lines of one run, as they come. */
export class AppTimeline {
  startingAt: number | undefined;
  runningAt: number | undefined;
  doneAt: number | undefined;
  stopped: StoppedLine | undefined;
  failure: string | undefined;
  /** Partition → when its task first started. */
  private readonly assigned = new Map<number, number>();
  /** Partition → `closed` lines in order: `through` only grows within a task's life. */
  private readonly closes = new Map<number, { through: number; at: number }[]>();

  add(line: AppLine | undefined): void {
    switch (line?.kind) {
      case 'starting':
        this.startingAt ??= line.at;
        break;
      case 'running':
        this.runningAt ??= line.at;
        break;
      case 'done':
        this.doneAt ??= line.at;
        break;
      case 'assigned':
        if (!this.assigned.has(line.partition)) this.assigned.set(line.partition, line.at);
        break;
      case 'closed': {
        const timeline = this.closes.get(line.partition) ?? [];
        timeline.push({ through: line.through, at: line.at });
        this.closes.set(line.partition, timeline);
        break;
      }
      case 'stopped':
        this.stopped = line;
        break;
      case 'failed':
        this.failure ??= line.why;
        break;
    }
  }

  /** The first task's start: the clock of the run starts here. */
  get assignedAt(): number | undefined {
    return this.assigned.size > 0 ? Math.min(...this.assigned.values()) : undefined;
  }

  /** The last partition's first task start. */
  get allAssignedAt(): number | undefined {
    return this.assigned.size > 0 ? Math.max(...this.assigned.values()) : undefined;
  }

  /**
   * When the window of `partition` ending at `end` closed: the first `closed` line of the
   * partition that reached it (a task that moved and started again says it twice), or
   * undefined when none did.
   */
  closedAt(partition: number, end: number): number | undefined {
    let first: number | undefined;
    for (const { through, at } of this.closes.get(partition) ?? []) {
      if (through >= end && (first === undefined || at < first)) first = at;
    }
    return first;
  }
}

/** The input partition of a user, as Kafka's Java clients place a key (fill-topic.ts placed the clicks so). */
export const partitionOf = (user: string, partitions: number): number => {
  const key = Buffer.from(user);
  return compatibilityPartitioner({ topic: '', key, value: key }, key) % partitions;
};

/**
 * Per result, from its window's close in the task of its user's partition to its arrival at
 * the reader; a result whose close was never reported is left out.
 */
export const latenciesOf = (
  results: readonly { readonly key: string; readonly end: number; readonly at: number }[],
  timeline: AppTimeline,
  partitions: number,
): number[] => {
  const latencies: number[] = [];
  for (const result of results) {
    const closed = timeline.closedAt(partitionOf(result.key, partitions), result.end);
    if (closed !== undefined) latencies.push(result.at - closed);
  }
  return latencies;
};
