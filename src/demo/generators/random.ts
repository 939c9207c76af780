import type { Random } from '../../connectors/generator/event-generator.js';

/** A standard normal number (Box–Muller). */
export const gaussian = (random: Random): number => {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
};

export const integerBetween = (random: Random, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/**
 * Picks from `items` with the given weights in O(log n): cumulative weights, binary search.
 * Build once, call per event.
 */
export const weightedPicker = <T>(
  items: readonly T[],
  weights: readonly number[],
): ((random: Random) => T) => {
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) cumulative.push((total += weight));
  return (random) => {
    const target = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return items[lo];
  };
};

/** Zipf-like weights: the i-th item (from 0) weighs 1 / (i + 1)^s. */
export const zipfWeights = (count: number, s: number): number[] =>
  Array.from({ length: count }, (_, i) => 1 / (i + 1) ** s);

/**
 * An event time a little before `now`, as devices and browsers deliver them: most within
 * a quarter second, some up to 2 s late, a rare straggler up to 6 s late — so that a
 * pipeline's watermark and late-event handling have something to do.
 */
export const jitteredTime = (random: Random, now: number): number => {
  const roll = random();
  const delay =
    roll < 0.9 ? random() * 250 : roll < 0.995 ? 250 + random() * 1_750 : 2_000 + random() * 4_000;
  return Math.round(now - delay);
};

/** Rounds to `digits` decimals, for values that look like what a real source sends. */
export const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
