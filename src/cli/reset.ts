import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Environment, formatIssue, loadConfig } from '../config/index.js';
import { lockDirectory } from '../connectors/log/directory.js';
import { DEMO_GENERATOR_CATALOGUE } from '../demo/generators/index.js';
import { describeError, TributaryError } from '../errors.js';
import { CheckpointStore } from '../store/checkpoint-store.js';
import { openSeriesStore } from '../store/index.js';

export interface ResetOptions {
  readonly config: string;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  readonly env?: Environment;
}

/**
 * `tributary reset --config FILE PIPELINE`: forgets a pipeline's checkpoints, its keyed state
 * and its source positions, so that on the next start it reads its topics from the earliest
 * record the log still holds and rebuilds its state. The way out when a checkpoint no longer
 * fits the pipeline (operators renamed, a topic's partition count changed). Results already
 * in the store stay; the rerun upserts the same rows. Refuses while the platform runs on the
 * same data directory (the embedded log's lock says so).
 */
export const runReset = async (pipeline: string, options: ResetOptions): Promise<number> => {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    const config = await loadConfig(options.config, {
      env: options.env,
      generators: DEMO_GENERATOR_CATALOGUE,
    });
    const names = config.pipelines.map((p) => p.name);
    if (!names.includes(pipeline)) {
      err(
        `${config.file}: no pipeline "${pipeline}"; the configuration has ${names.length === 0 ? 'none' : names.map((n) => `"${n}"`).join(', ')}`,
      );
      return 1;
    }
    // The log's lock tells whether the platform runs on this data directory; a directory that
    // does not exist yet has no platform on it.
    const logDir = join(config.dataDir, 'log');
    const unlock = existsSync(logDir)
      ? await lockDirectory(logDir).catch((error: unknown) => {
          throw error instanceof TributaryError && error.code === 'TRB_LOG_LOCKED'
            ? new TributaryError(
                'TRB_LOG_LOCKED',
                `${describeError(error).message}. Stop Tributary before resetting a pipeline`,
              )
            : error;
        })
      : async () => {};
    try {
      const store = await openSeriesStore(
        config.store.type === 'postgres'
          ? { backend: 'postgres', url: config.store.url }
          : { backend: 'pglite', dataDir: join(config.dataDir, 'store') },
      );
      try {
        const checkpoints = CheckpointStore.on(store);
        const tasks = await checkpoints.tasks(pipeline);
        await checkpoints.reset(pipeline);
        out(
          `reset pipeline "${pipeline}": ${tasks.length === 0 ? 'it had no checkpoint' : `forgot the checkpoints of ${tasks.length} task${tasks.length === 1 ? '' : 's'}`}; ` +
            'on the next start it reads its topics from the earliest record the log holds and rebuilds its state',
        );
        return 0;
      } finally {
        await store.close();
      }
    } finally {
      await unlock();
    }
  } catch (error) {
    if (error instanceof ConfigError) for (const issue of error.issues) err(formatIssue(issue));
    else err(describeError(error).message);
    return 1;
  }
};
