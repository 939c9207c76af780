/**
 * A run of test files starts Kafka (or the registry) when one of its files reads the
 * service's address, itself or through a helper it imports, and not otherwise.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { someFileCalls } from './run-needs.js';

const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const KAFKA = /\bkafka(?:Scram|Tls)?Brokers\(/;

describe('which test files need a service', () => {
  it('finds a call in the file itself', () => {
    expect(someFileCalls([file('./integration/kafka/intake.test.ts')], KAFKA)).toBe(true);
  });

  it('finds a call through a helper the file imports (testCluster reads kafkaBrokers)', () => {
    expect(someFileCalls([file('./runtime/backpressure.test.ts')], KAFKA)).toBe(true);
  });

  it('finds none in files that do not use the service', () => {
    expect(
      someFileCalls([file('./engine/state/murmur2.test.ts'), file('./formats/json.test.ts')], KAFKA),
    ).toBe(false);
  });
});
