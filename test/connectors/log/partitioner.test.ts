import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/connectors/log/partitioner.js';
import { KAFKA_VECTORS } from '../../engine/state/kafka-vectors.js';

const COUNTS = [1, 2, 3, 4, 8, 12, 100];

describe("Kafka's default partitioner", () => {
  it.each(KAFKA_VECTORS)('puts %j in the partition Kafka picks', (key, _, partitions) => {
    expect(COUNTS.map((n) => partitionForKey(key, n))).toEqual(partitions);
  });
});
