/**
 * The answer every contender must give: clicks per user per 10 s tumbling window (aligned
 * to the epoch), as `user|windowStart` → count, so that a result from any language compares
 * with a plain Map.
 */
import { info } from '../harness.js';

export const WINDOW_MS = 10_000;

/** `user|windowStartMs` → clicks. */
export type WindowCounts = Map<string, number>;

export const windowKey = (user: string, timestamp: number): string =>
  `${user}|${timestamp - (timestamp % WINDOW_MS)}`;

export const countClick = (counts: WindowCounts, user: string, timestamp: number): void => {
  const key = windowKey(user, timestamp);
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

/** A result as JSON carries it (`{"u7|1767225600000": 83, …}`) as WindowCounts. */
export const windowCountsOf = (json: Record<string, number>): WindowCounts => new Map(Object.entries(json));

/**
 * Whether `actual` has exactly the reference's windows and counts. The first differences go
 * to stderr, so that a mismatch says where it is.
 */
export const resultsMatch = (reference: WindowCounts, actual: WindowCounts, who: string): boolean => {
  const differences: string[] = [];
  for (const [key, count] of reference) {
    const got = actual.get(key);
    if (got !== count) differences.push(`${key}: ${got ?? 'missing'} instead of ${count}`);
  }
  for (const key of actual.keys()) if (!reference.has(key)) differences.push(`${key}: not in the reference`);
  if (differences.length > 0) {
    info(
      `  ${who}: ${differences.length} window counts differ from the reference ` +
        `(${actual.size} windows, ${reference.size} expected), e.g. ${differences.slice(0, 3).join('; ')}`,
    );
  }
  return differences.length === 0;
};
