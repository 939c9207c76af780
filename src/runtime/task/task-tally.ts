import type { DeadLetterRecord } from '../../connectors/dead-letter.js';
import type { LateEvent } from '../../engine/operators/operator.js';
import { MAX_RECENT_PER_REPORT, type TaskReport } from './task-report.js';

/** The part of a report that a task counts as it runs. */
export type TallyReport = Pick<
  TaskReport,
  'recordsIn' | 'recordsOut' | 'deadLetters' | 'lateEvents' | 'latencies' | 'recentDeadLetters' | 'recentLate'
>;

/**
 * What a task counts between its reports: totals since it started (records in, out per sink,
 * dead letters per operator, late events), and since the last report the batches' latencies
 * and a bounded sample of dead letters and late events.
 */
export class TaskTally {
  private recordsIn = 0;
  private readonly recordsOut: Record<string, number> = {};
  private readonly deadLetters: Record<string, number> = {};
  private lateEvents = 0;
  private latencies: number[] = [];
  private recentDeadLetters: DeadLetterRecord[] = [];
  private recentLate: LateEvent[] = [];

  /** A batch of `records` read and pushed, `latencyMs` after its oldest record's append. */
  read(records: number, latencyMs: number): void {
    this.recordsIn += records;
    this.latencies.push(latencyMs);
  }

  wrote(sink: string, records: number): void {
    this.recordsOut[sink] = (this.recordsOut[sink] ?? 0) + records;
  }

  deadLettered(operator: string, letter: DeadLetterRecord): void {
    this.deadLetters[operator] = (this.deadLetters[operator] ?? 0) + 1;
    if (this.recentDeadLetters.length < MAX_RECENT_PER_REPORT) this.recentDeadLetters.push(letter);
  }

  late(event: LateEvent): void {
    this.lateEvents++;
    if (this.recentLate.length < MAX_RECENT_PER_REPORT) this.recentLate.push(event);
  }

  /** The counts for a report; the latencies and samples start afresh after it. */
  take(): TallyReport {
    const taken: TallyReport = {
      recordsIn: this.recordsIn,
      recordsOut: { ...this.recordsOut },
      deadLetters: { ...this.deadLetters },
      lateEvents: this.lateEvents,
      latencies: this.latencies,
      recentDeadLetters: this.recentDeadLetters,
      recentLate: this.recentLate,
    };
    this.latencies = [];
    this.recentDeadLetters = [];
    this.recentLate = [];
    return taken;
  }
}
