import { DEMO_GENERATOR_CATALOGUE } from '../demo/generators/index.js';
import { LatestCache } from '../live/latest-cache.js';
import { RedisFanout } from '../live/redis-fanout.js';
import { platformOptions } from '../runtime/from-config.js';
import { Platform } from '../runtime/platform.js';
import { fleetProblems } from './fleet-config.js';
import { err, loadForCommand, prepareServing, serveUntilSignal } from './process.js';

export interface WorkerOptions {
  readonly config: string;
  /** Run this process's generator, MQTT and file ingestors too (on one worker of the fleet). */
  readonly withIntake?: boolean;
}

/**
 * `tributary worker`: processing only. Joins each pipeline's consumer group and runs the
 * tasks of the partitions the group gives it, checkpointing into PostgreSQL; its task
 * reports and live updates go to the API nodes through Redis. Serves `/healthz`, `/readyz`
 * and `/metrics` alone. Returns the exit code.
 */
export const runWorker = async (options: WorkerOptions): Promise<number> => {
  const started = performance.now();
  const config = await loadForCommand(options.config);
  if (!config) return 1;
  const problems = fleetProblems(config, 'worker');
  for (const problem of problems) err(`${options.config}: ${problem}`);
  if (problems.length > 0 || !config.redis) return 1;
  const serving = prepareServing(config, { operationsOnly: true });
  if (!serving) return 1;
  const { logger, serverOptions } = serving;

  const fanout = new RedisFanout(config.redis, {}, logger);
  const platform = new Platform({
    ...platformOptions(config, { generators: DEMO_GENERATOR_CATALOGUE }),
    logger,
    fanout,
    latestCache: new LatestCache(fanout.client, config.redis),
    // An API node evaluates the alert rules; the pattern rules' pipelines run here.
    forwardObservations: (observations) =>
      fanout.tell({ kind: 'observations', node: fanout.node, observations }),
    ingestors: options.withIntake === true,
  });
  return serveUntilSignal({
    logger,
    parts: [
      { name: 'Redis fan-out', start: () => fanout.start(), stop: () => fanout.close() },
      { name: 'platform', start: () => platform.start(), stop: () => platform.stop() },
    ],
    api: platform,
    serverOptions,
    ready: (server) =>
      logger.info(
        {
          url: server.url,
          node: fanout.node,
          startupSeconds: Math.round(performance.now() - started) / 1000,
          pipelines: config.pipelines.map((p) => p.name),
          metrics: `${server.url}/metrics`,
        },
        `Tributary worker ${fanout.node} is running (health and metrics at ${server.url})`,
      ),
  });
};
