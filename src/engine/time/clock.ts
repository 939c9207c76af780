/** Where processing time comes from: the system clock in production, a manual clock in tests. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
