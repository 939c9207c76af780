/**
 * Published Nexmark throughput per core, events/s: Flink 1.13 from the nexmark repository's
 * README (8 task managers × 1 slot, RocksDB state), RisingWave's 2023 nightly (Kafka
 * source), Feldera's benchmark README (16 cores, divided by 16).
 */
import type { QueryName } from './query.js';

export interface Published {
  flink: number;
  risingWave: number;
  feldera: number;
}

export const PUBLISHED: Partial<Record<QueryName, Published>> = {
  q0: { flink: 155_000, risingWave: 118_000, feldera: 436_000 },
  q1: { flink: 158_000, risingWave: 119_000, feldera: 412_000 },
  q2: { flink: 175_000, risingWave: 127_000, feldera: 422_000 },
  q3: { flink: 152_000, risingWave: 97_000, feldera: 413_000 },
  q4: { flink: 34_000, risingWave: 13_900, feldera: 265_000 },
  q5: { flink: 22_000, risingWave: 5_200, feldera: 412_000 },
  q7: { flink: 12_000, risingWave: 20_300, feldera: 196_000 },
  q8: { flink: 146_000, risingWave: 60_700, feldera: 415_000 },
};

/** The targets: ≥ 5 × Flink's figure on every query, and at or above Feldera's on q0–q2. */
export const targetFor = (name: QueryName): number | undefined => {
  const published = PUBLISHED[name];
  if (!published) return undefined;
  const fiveFlink = 5 * published.flink;
  return ['q0', 'q1', 'q2'].includes(name) ? Math.max(fiveFlink, published.feldera) : fiveFlink;
};
