/**
 * The CPU time of each thread of this process, from Linux's `/proc/self/task` (undefined
 * elsewhere): how a span's CPU splits between the busiest threads — a platform's workers —
 * and all the others (the main thread, the database's, V8's helpers that compile code and
 * collect garbage).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU ticks (user + system) by thread id. */
export type ThreadTicks = ReadonlyMap<string, number>;

export const threadTicks = (): ThreadTicks | undefined => {
  try {
    const ticks = new Map<string, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // the thread ended meanwhile
      }
      // The fields after the command name, which is in parentheses and may hold spaces:
      // the 12th and 13th of them are utime and stime.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    }
    return ticks;
  } catch {
    return undefined;
  }
};

/**
 * The CPU that all threads but the `busiest` used between two snapshots, per CPU the busiest
 * used. A thread that ended between them is left out; one that started counts from zero.
 */
export const otherThreadsShare = (from: ThreadTicks, to: ThreadTicks, busiest: number): number => {
  const used = [...to].map(([tid, ticks]) => ticks - (from.get(tid) ?? 0)).sort((a, b) => b - a);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return sum(used.slice(busiest)) / Math.max(1, sum(used.slice(0, busiest)));
};
