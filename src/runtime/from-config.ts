import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TributaryConfig } from '../config/load.js';
import type { GeneratorCatalogue } from '../connectors/generator/event-generator.js';
import type { PlatformOptions } from './platform.js';

/**
 * The platform a loaded configuration describes, with what the composition root adds:
 * the generators its `generator` sources name (the ones the configuration was checked against).
 */
export const platformOptions = (
  config: TributaryConfig,
  given: { readonly generators?: GeneratorCatalogue } = {},
): PlatformOptions => ({
  dataDir: config.dataDir,
  log: {
    partitions: config.log.partitions,
    topics: config.log.topics,
    fsync: config.log.fsync,
    fsyncIntervalMs: config.log.fsyncIntervalMs,
    segmentBytes: config.log.segmentBytes,
    retention: config.log.retention,
  },
  store:
    config.store.type === 'postgres'
      ? {
          type: 'postgres',
          url: config.store.url,
          ...(config.store.schema ? { schema: config.store.schema } : {}),
        }
      : { type: 'embedded' },
  storeRetentionMs: config.store.retentionMs,
  sources: config.sources,
  ...(config.log.type === 'kafka' && config.kafka ? { intakeOnKafka: config.kafka } : {}),
  sinks: config.sinks,
  pipelines: config.pipelines.map((p) => p.plan),
  consumerGroups: Object.fromEntries(
    config.pipelines.flatMap((p) => (p.consumerGroup ? [[p.name, p.consumerGroup]] : [])),
  ),
  // Workers build each pipeline, pattern rules' included, from the same file; a
  // configuration that is not a file (parsed from text) runs its pipelines on the main thread.
  recipes: existsSync(config.file)
    ? (plan) => ({ kind: 'config', file: resolve(config.file), pipeline: plan.name })
    : () => undefined,
  ...(config.workers === undefined ? {} : { workers: config.workers }),
  pipelineTasks: { checkpointIntervalMs: config.checkpoint.intervalMs },
  ...(given.generators === undefined ? {} : { generators: given.generators }),
  alerts: config.alerts,
});
