import { defineConfig } from 'vitest/config';
import { SlowestFirst } from './test/slowest-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A Kafka broker for the files that call kafkaBrokers() (test/kafka.ts), themselves or
    // through a helper they import (test/run-needs.ts): KAFKA_BROKERS, or a local one started
    // for the run; TRIBUTARY_NO_KAFKA=1 never starts one. Likewise a schema registry for the
    // files that call schemaRegistryUrl() (test/registry.ts): SCHEMA_REGISTRY_URL, or a local
    // Apicurio; TRIBUTARY_NO_REGISTRY=1 never starts one.
    globalSetup: ['test/kafka-global-setup.ts', 'test/registry-global-setup.ts'],
    // Two files at a time: most of the suite waits on other processes (Kafka, PostgreSQL, the
    // registry, a browser, a platform it started), so a second file fills the wait. Every file
    // keeps to its own ports, schemas, topics and temporary folders, so files never collide.
    maxWorkers: 2,
    sequence: { sequencer: SlowestFirst },
    // Property tests run many generated cases; give them room on a slow shared machine.
    testTimeout: 60_000,
    // Opening an embedded database compiles WebAssembly: seconds on a busy 2-core machine.
    hookTimeout: 60_000,
  },
});
