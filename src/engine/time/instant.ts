/**
 * The furthest an instant may be from the epoch, either way, in milliseconds: what a
 * JavaScript Date can hold (±100,000,000 days, the years -271821 to 275760). Every time a
 * user gives is bounded by it, so that it prints, and fits a PostgreSQL bigint.
 */
const MAX_INSTANT_MS = 8.64e15;

/** Whether `ms` is an instant a Date can hold. */
export const isInstant = (ms: number): boolean => Number.isFinite(ms) && Math.abs(ms) <= MAX_INSTANT_MS;

/** What to say of an instant out of range, after the field and value. */
export const OUT_OF_RANGE = `is out of range; a time is at most ${MAX_INSTANT_MS} ms from the epoch either way (the years -271821 to 275760)`;
