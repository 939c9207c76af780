import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatIssue, loadConfig, type TributaryConfig } from '../config/index.js';
import { DEMO_GENERATOR_CATALOGUE } from '../demo/generators/index.js';
import { describeError } from '../errors.js';
import { createLogger } from '../observability/logger.js';
import { platformOptions } from '../runtime/from-config.js';
import { Platform } from '../runtime/platform.js';
import { resolveOptions } from '../server/options.js';
import { startServer } from '../server/start.js';

/** The package's root: the nearest folder above this file with the package.json (src/ or dist/src/ alike). */
const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
};

/** The demo configuration shipped with the package (config/demo.yaml). */
export const DEMO_CONFIG = join(packageRoot(), 'config', 'demo.yaml');

export interface StartOptions {
  readonly config?: string;
  readonly demo?: boolean;
}

const err = (line: string) => process.stderr.write(`${line}\n`);

/**
 * `tributary start`: loads the configuration, starts the platform and the HTTP server, and
 * runs until SIGINT or SIGTERM, then shuts down gracefully: stop intake (HTTP, ingestors),
 * let pipelines drain and checkpoint, close storage. Returns the exit code.
 */
export const runStart = async (options: StartOptions): Promise<number> => {
  const started = performance.now();
  const file = chooseConfig(options);
  if (!file) return 1;
  let config: TributaryConfig;
  try {
    // The composition root: the platform knows no generators; the CLI brings the demo's.
    config = await loadConfig(file, { generators: DEMO_GENERATOR_CATALOGUE, ...demoOnKafka(options) });
  } catch (error) {
    if (error instanceof ConfigError) for (const issue of error.issues) err(formatIssue(issue));
    else err(describeError(error).message);
    return 1;
  }

  const logger = createLogger({ level: config.logLevel });
  const { server: settings } = config;
  const serverOptions = {
    host: settings.host,
    port: settings.port,
    apiKeys: settings.apiKeys,
    corsOrigins: settings.corsOrigins,
    bodyLimit: settings.bodyLimit,
  };
  try {
    // Refuse what the server would refuse (no API keys beyond loopback, …) before starting anything.
    resolveOptions(serverOptions);
  } catch (error) {
    logger.fatal({ error: describeError(error) }, describeError(error).message);
    return 1;
  }

  const platform = new Platform({
    ...platformOptions(config, { generators: DEMO_GENERATOR_CATALOGUE }),
    logger,
  });
  try {
    await platform.start();
  } catch (error) {
    logger.fatal({ error: describeError(error) }, `could not start: ${describeError(error).message}`);
    await platform.stop().catch(() => {});
    return 1;
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(platform, serverOptions);
  } catch (error) {
    const where = `${settings.host}:${settings.port}`;
    logger.fatal(
      { error: describeError(error) },
      `the HTTP server could not start on ${where}: ${describeError(error).message}`,
    );
    await platform.stop().catch(() => {});
    return 1;
  }

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

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        logger.warn(`${signal} again: exiting without a final checkpoint`);
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, `${signal}: stopping intake, draining pipelines, writing checkpoints`);
      await server
        .close()
        .catch((error) => logger.error({ error: describeError(error) }, 'closing the HTTP server failed'));
      await platform
        .stop()
        .catch((error) => logger.error({ error: describeError(error) }, 'stopping failed'));
      logger.info('stopped');
      resolve(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
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
