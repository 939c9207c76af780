/**
 * What a task counts between its reports: totals since it started, and since the last
 * report its batches' latencies and a bounded sample of dead letters and late events.
 */
import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord } from '../../../src/connectors/dead-letter.js';
import type { LateEvent } from '../../../src/engine/operators/operator.js';
import { MAX_RECENT_PER_REPORT } from '../../../src/runtime/task/task-report.js';
import { TaskTally } from '../../../src/runtime/task/task-tally.js';

const letter = (i: number): DeadLetterRecord => ({
  at: i,
  stage: 'process',
  pipeline: 'p',
  operator: 'parse',
  error: { name: 'TributaryError', code: 'TRB_BAD_RECORD', message: `bad ${i}` },
  value: i,
  timestamp: i,
});

const late: LateEvent = { pipeline: 'p', operator: 'per-minute', value: 1, timestamp: 0, watermark: 60_000 };

describe('the tally of a task', () => {
  it('keeps totals across reports and starts the per-report lists afresh', () => {
    const tally = new TaskTally();
    tally.read(100, 5);
    tally.read(50, 7);
    tally.wrote('store', 3);
    tally.wrote('store', 2);
    tally.wrote('topic', 1);
    tally.deadLettered('parse', letter(1));
    tally.late(late);
    expect(tally.take()).toEqual({
      recordsIn: 150,
      recordsOut: { store: 5, topic: 1 },
      deadLetters: { parse: 1 },
      lateEvents: 1,
      latencies: [5, 7],
      recentDeadLetters: [letter(1)],
      recentLate: [late],
    });

    tally.read(10, 3);
    expect(tally.take()).toEqual({
      recordsIn: 160,
      recordsOut: { store: 5, topic: 1 },
      deadLetters: { parse: 1 },
      lateEvents: 1,
      latencies: [3],
      recentDeadLetters: [],
      recentLate: [],
    });
  });

  it('counts every dead letter but carries at most a bounded sample of them in a report', () => {
    const tally = new TaskTally();
    const many = MAX_RECENT_PER_REPORT + 20;
    for (let i = 0; i < many; i++) tally.deadLettered('parse', letter(i));
    const report = tally.take();
    expect(report.deadLetters).toEqual({ parse: many });
    expect(report.recentDeadLetters).toHaveLength(MAX_RECENT_PER_REPORT);
    expect(report.recentDeadLetters[0]).toEqual(letter(0));
  });
});
