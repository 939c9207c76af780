import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_GENERATOR_CATALOGUE } from '../demo/generators/index.js';
import { LatestCache } from '../live/latest-cache.js';
import { platformOptions } from '../runtime/from-config.js';
import { Platform } from '../runtime/platform.js';
import { err, loadForCommand, prepareServing, serveUntilSignal } from './process.js';

/** The package's root: the nearest folder above this file with the package.json (src/ or dist/src/ alike). */
const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
};

/** What a newcomer to the demo reads first about the dead letters the dashboard counts. */
export const DEMO_DEAD_LETTERS =
  "The demo's generators send a few malformed events on purpose (a missing field, a wrong type, " +
  'a value that is no object): each is dead-lettered with its reason, counted on the dashboard (Dead letters) ' +
  'and listed under its pipeline, while the rest flows on';

/** The demo configuration shipped with the package (config/demo.yaml). */
export const DEMO_CONFIG = join(packageRoot(), 'config', 'demo.yaml');

export interface StartOptions {
  readonly config?: string;
  readonly demo?: boolean;
}

/**
 * `tributary start`: loads the configuration, starts the platform and the HTTP server, and
 * runs until SIGINT or SIGTERM, then shuts down gracefully: stop intake (HTTP, ingestors),
 * let pipelines drain and checkpoint, close storage. With a `redis:` section its live
 * updates and task reports also go to the API nodes of a deployment. Returns the exit code.
 */
export const runStart = async (options: StartOptions): Promise<number> => {
  const started = performance.now();
  const file = chooseConfig(options);
  if (!file) return 1;
  const config = await loadForCommand(file, demoOnKafka(options));
  if (!config) return 1;
  const serving = prepareServing(config);
  if (!serving) return 1;
  const { logger, serverOptions } = serving;

  // The Redis client is loaded only for a deployment that fans out through Redis.
  const fanout = config.redis
    ? new (await import('../live/redis-fanout.js')).RedisFanout(config.redis, {}, logger)
    : undefined;
  const platform = new Platform({
    ...platformOptions(config, { generators: DEMO_GENERATOR_CATALOGUE }),
    logger,
    ...(fanout && config.redis ? { fanout, latestCache: new LatestCache(fanout.client, config.redis) } : {}),
  });
  return serveUntilSignal({
    logger,
    parts: [
      ...(fanout ? [{ name: 'Redis fan-out', start: () => fanout.start(), stop: () => fanout.close() }] : []),
      { name: 'platform', start: () => platform.start(), stop: () => platform.stop() },
    ],
    api: platform,
    serverOptions,
    ready: (server) => {
      logger.info(
        {
          url: server.url,
          startupSeconds: Math.round(performance.now() - started) / 1000,
          pipelines: config.pipelines.map((p) => p.name),
          sources: Object.keys(config.sources),
          dataDir: config.dataDir,
          api: `${server.url}/api/v1/stats`,
          metrics: `${server.url}/metrics`,
          docs: `${server.url}/docs`,
        },
        `Tributary is running: ${server.url} (Ctrl-C stops it gracefully)`,
      );
      if (options.demo) logger.info({ deadLetters: `${server.url}/pipelines` }, DEMO_DEAD_LETTERS);
    },
  });
};

/**
 * `--demo` with KAFKA_BROKERS set runs the demo through Kafka: its intake appends to a
 * 6-partition topic per source and its pipelines read them there (with DATABASE_URL too,
 * nothing of it stays in the process but the embedded log's dead letters).
 */
const demoOnKafka = (options: StartOptions) => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!options.demo || !brokers) return {};
  return {
    overlay: {
      settings: { kafka: { brokers }, log: { type: 'kafka', partitions: 6 } },
      origin: 'KAFKA_BROKERS',
    },
  };
};

const chooseConfig = (options: StartOptions): string | undefined => {
  if (options.config && options.demo) {
    err(
      'tributary start: give either --config FILE or --demo, not both (the demo is config/demo.yaml; copy it to change it)',
    );
    return undefined;
  }
  if (options.config) return options.config;
  if (options.demo) return DEMO_CONFIG;
  if (existsSync('tributary.yaml')) return 'tributary.yaml';
  err('tributary start: no configuration; pass --config FILE, put a tributary.yaml here, or try --demo');
  return undefined;
};
