/** One generated event: its JSON value and, optionally, the key it is appended under. */
export interface GeneratedEvent {
  readonly value: unknown;
  readonly key?: string;
}

/**
 * Makes events for the generator ingestor. `now` is the event's nominal time (ms since the
 * epoch, spread across the tick it belongs to); the generator sets the event time `ts`
 * from it, with whatever jitter its source would show.
 */
export interface EventGenerator {
  readonly name: string;
  /** One well-formed event. */
  next(now: number): GeneratedEvent;
  /**
   * One deliberately malformed event: valid JSON that a pipeline must dead-letter (a wrong
   * type, a missing field, a value that is not an object). Asked for `malformedFraction`
   * of the time, so that the dead-letter path is exercised by every demo.
   */
  malformed(now: number): GeneratedEvent;
}

/**
 * Generators by the name a `generator` source gives. The platform knows none of its own:
 * the composition root passes one (`tributary start` and `validate`: the demo's).
 */
export type GeneratorCatalogue = ReadonlyMap<string, () => EventGenerator>;

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * A small, fast, seeded generator (mulberry32): the same seed gives the same sequence, so
 * tests and benchmarks can replay a demo exactly.
 */
export const seededRandom = (seed: number): Random => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
