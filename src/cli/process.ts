/**
 * What every long-running command (`start`, `worker`, `api`) does around its own part:
 * load the configuration, refuse what the server would refuse before starting anything,
 * serve, and shut down gracefully on SIGINT or SIGTERM.
 */
import {
  ConfigError,
  formatIssue,
  type LoadOptions,
  loadConfig,
  type TributaryConfig,
} from '../config/index.js';
import type { PlatformApi } from '../contract/index.js';
import { DEMO_GENERATOR_CATALOGUE } from '../demo/generators/index.js';
import { describeError } from '../errors.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { resolveOptions, type ServerOptions } from '../server/options.js';
import { type RunningServer, startServer } from '../server/start.js';

export const err = (line: string) => process.stderr.write(`${line}\n`);

/** The configuration, or undefined after printing every issue with its file:line. */
export const loadForCommand = async (
  file: string,
  options: Omit<LoadOptions, 'generators'> = {},
): Promise<TributaryConfig | undefined> => {
  try {
    // The composition root: the platform knows no generators; the CLI brings the demo's.
    return await loadConfig(file, { generators: DEMO_GENERATOR_CATALOGUE, ...options });
  } catch (error) {
    if (error instanceof ConfigError) for (const issue of error.issues) err(formatIssue(issue));
    else err(describeError(error).message);
    return undefined;
  }
};

/** The server's options the `server:` section gives; `resolveOptions` refuses what cannot serve. */
export const serverOptionsOf = ({ server }: TributaryConfig): ServerOptions => ({
  host: server.host,
  port: server.port,
  apiKeys: server.apiKeys,
  corsOrigins: server.corsOrigins,
  bodyLimit: server.bodyLimit,
});

/** The process's logger and its server options, or undefined once the server's refusal is logged. */
export const prepareServing = (
  config: TributaryConfig,
  extra: Pick<ServerOptions, 'operationsOnly'> = {},
): { logger: Logger; serverOptions: ServerOptions } | undefined => {
  const logger = createLogger({ level: config.logLevel });
  const serverOptions: ServerOptions = {
    ...serverOptionsOf(config),
    // The server's own lines (a failed request with its id) in the process's log.
    loggerInstance: logger.child({ component: 'http' }),
    ...extra,
  };
  try {
    // Refuse what the server would refuse (no API keys beyond loopback, …) before starting anything.
    resolveOptions(serverOptions);
  } catch (error) {
    logger.fatal({ error: describeError(error) }, describeError(error).message);
    return undefined;
  }
  return { logger, serverOptions };
};

/** What a command runs: started in order, stopped in reverse. */
export interface Part {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the parts, then the HTTP server over `api`, and runs until SIGINT or SIGTERM: the
 * server closes first (no new requests), then the parts stop in reverse order. Resolves to
 * the exit code; a part that cannot start stops the ones before it and gives 1.
 */
export const serveUntilSignal = async (run: {
  readonly logger: Logger;
  readonly parts: readonly Part[];
  readonly api: PlatformApi;
  readonly serverOptions: ServerOptions;
  /** Logged once the server listens, with its URL. */
  readonly ready: (server: RunningServer) => void;
}): Promise<number> => {
  const { logger, parts } = run;
  const started: Part[] = [];
  const stopStarted = async () => {
    for (const part of [...started].reverse())
      await part
        .stop()
        .catch((error) => logger.error({ error: describeError(error) }, `stopping the ${part.name} failed`));
  };
  for (const part of parts) {
    try {
      await part.start();
      started.push(part);
    } catch (error) {
      logger.fatal({ error: describeError(error) }, `could not start: ${describeError(error).message}`);
      await part.stop().catch(() => {});
      await stopStarted();
      return 1;
    }
  }
  let server: RunningServer;
  try {
    server = await startServer(run.api, run.serverOptions);
  } catch (error) {
    const where = `${run.serverOptions.host}:${run.serverOptions.port}`;
    logger.fatal(
      { error: describeError(error) },
      `the HTTP server could not start on ${where}: ${describeError(error).message}`,
    );
    await stopStarted();
    return 1;
  }
  run.ready(server);

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
      await stopStarted();
      logger.info('stopped');
      resolve(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
};
