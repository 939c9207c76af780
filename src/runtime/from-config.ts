import type { TributaryConfig } from '../config/load.js';
import { createIngestor } from './ingestors.js';
import type { PlatformOptions } from './platform.js';

/** The platform a loaded configuration describes. */
export const platformOptions = (config: TributaryConfig): PlatformOptions => ({
  dataDir: config.dataDir,
  log: {
    fsync: config.log.fsync,
    fsyncIntervalMs: config.log.fsyncIntervalMs,
    segmentBytes: config.log.segmentBytes,
    retention: config.log.retention,
  },
  store:
    config.store.type === 'postgres' ? { type: 'postgres', url: config.store.url } : { type: 'embedded' },
  storeRetentionMs: config.store.retentionMs,
  sources: config.sources,
  sinks: config.sinks,
  pipelines: config.pipelines.map((p) => p.plan),
  pipelineTasks: { checkpointIntervalMs: config.checkpoint.intervalMs },
  createIngestor,
  alerts: config.alerts,
});
