import { describe, expect, it } from 'vitest';
import {
  AppTimeline,
  latenciesOf,
  parseAppLine,
  partitionOf,
} from '../../../../bench/kafka/streams/app-output.js';

const W = 10_000;
const T0 = 1_767_225_600_000;

/** A run's stdout as ClicksPerUser writes it, read line by line. */
const timelineOf = (stdout: string): AppTimeline => {
  const timeline = new AppTimeline();
  for (const line of stdout.trim().split('\n')) timeline.add(parseAppLine(line));
  return timeline;
};

describe('the lines of the Kafka Streams application', () => {
  it('are read with their fields, times to the microsecond', () => {
    expect(parseAppLine('starting 1796602145224.410')).toEqual({ kind: 'starting', at: 1796602145224.41 });
    expect(parseAppLine('assigned 4 1796602153944.156')).toEqual({
      kind: 'assigned',
      partition: 4,
      at: 1796602153944.156,
    });
    expect(parseAppLine(`closed 1 ${T0 + W} 1796602154194.815`)).toEqual({
      kind: 'closed',
      partition: 1,
      through: T0 + W,
      at: 1796602154194.815,
    });
    expect(parseAppLine('stopped 323700 0 0 true')).toEqual({
      kind: 'stopped',
      peakRssKb: 323700,
      droppedRecords: 0,
      behindMs: 0,
      closedCleanly: true,
    });
    expect(parseAppLine('failed java.lang.IllegalStateException: no broker')).toEqual({
      kind: 'failed',
      why: 'java.lang.IllegalStateException: no broker',
    });
  });

  it('leave anything else to the log: a JVM warning, a line cut short, a word for a number', () => {
    expect(
      parseAppLine('OpenJDK 64-Bit Server VM warning: Sharing is only supported for boot loader classes'),
    ).toBe(undefined);
    expect(parseAppLine('closed 1 1767225610000')).toBe(undefined);
    expect(parseAppLine('assigned four 1796602153944.156')).toBe(undefined);
    expect(parseAppLine('stopped 323700 0 0 maybe')).toBe(undefined);
  });
});

describe('a run of the Kafka Streams application', () => {
  // Two threads: partitions 0 and 1 start first and read while 2 starts later; 1 moves to
  // the other thread halfway and says its closes again, later.
  const run = timelineOf(`
starting 1000.000
assigned 0 5000.000
assigned 1 5010.000
closed 0 ${T0} 5100.000
closed 1 ${T0} 5110.000
assigned 2 6500.000
running 6500.500
closed 2 ${T0} 6600.000
closed 0 ${T0 + W} 7000.000
closed 1 ${T0 + W} 7200.000
assigned 1 8000.000
closed 1 ${T0 + W} 8100.000
closed 0 ${T0 + 3 * W} 9000.000
done 9500.000
stopped 400000 0 0 true
`);

  it('starts its clock at the first task, and knows when the last partition and the client followed', () => {
    expect(run.startingAt).toBe(1000);
    expect(run.assignedAt).toBe(5000);
    expect(run.allAssignedAt).toBe(6500);
    expect(run.runningAt).toBe(6500.5);
    expect(run.doneAt).toBe(9500);
    expect(run.stopped?.peakRssKb).toBe(400_000);
    expect(run.failure).toBe(undefined);
  });

  it('closes a window at the first line of its partition that reaches its end', () => {
    expect(run.closedAt(0, T0 + W)).toBe(7000);
    // A close line covers every window that ends at or before it.
    expect(run.closedAt(0, T0 + 2 * W)).toBe(9000);
    expect(run.closedAt(0, T0 + 3 * W)).toBe(9000);
    // The task that moved said it again later: the first time counts.
    expect(run.closedAt(1, T0 + W)).toBe(7200);
    expect(run.closedAt(2, T0 + W)).toBe(undefined);
    expect(run.closedAt(5, T0 + W)).toBe(undefined);
  });

  it('measures a result from its window close in its user’s partition to its arrival', () => {
    // u0 and u7 are placed on partition 2 and u1 on partition 4 by Kafka's Java partitioner (murmur2).
    expect([
      partitionOf('u0', 6),
      partitionOf('u1', 6),
      partitionOf('u7', 6),
      partitionOf('u123', 6),
    ]).toEqual([2, 4, 2, 1]);
    const timeline = timelineOf(`
closed 2 ${T0 + W} 1000.000
closed 2 ${T0 + 2 * W} 2000.000
closed 1 ${T0 + W} 1500.000
`);
    const results = [
      { key: 'u0', end: T0 + W, at: 1100 },
      { key: 'u7', end: T0 + 2 * W, at: 2250.5 },
      { key: 'u123', end: T0 + W, at: 1600 },
      // Partition 4 never said it closed this window: no latency rather than a made-up one.
      { key: 'u1', end: T0 + W, at: 1700 },
    ];
    expect(latenciesOf(results, timeline, 6)).toEqual([100, 250.5, 100]);
  });

  it('remembers the first failure', () => {
    const failed = timelineOf(`
starting 1000.000
failed org.apache.kafka.common.errors.TimeoutException: Timeout expired
failed Kafka Streams is in state ERROR (the log on stderr says why)
`);
    expect(failed.failure).toBe('org.apache.kafka.common.errors.TimeoutException: Timeout expired');
    expect(failed.assignedAt).toBe(undefined);
  });
});
