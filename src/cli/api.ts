import { ApiNode } from '../runtime/api-node.js';
import { fleetProblems } from './fleet-config.js';
import { err, loadForCommand, prepareServing, serveUntilSignal } from './process.js';

/**
 * `tributary api`: serving only, and stateless — REST, WebSocket, the dashboard and HTTP
 * ingest (appended to Kafka). What it shows comes from the workers: results from
 * PostgreSQL, statuses and live updates through Redis. Returns the exit code.
 */
export const runApi = async (options: { readonly config: string }): Promise<number> => {
  const started = performance.now();
  const config = await loadForCommand(options.config);
  if (!config) return 1;
  const problems = fleetProblems(config, 'api');
  for (const problem of problems) err(`${options.config}: ${problem}`);
  const { store, redis, log } = config;
  if (problems.length > 0 || !redis || store.type !== 'postgres') return 1;
  const serving = prepareServing(config);
  if (!serving) return 1;
  const { logger, serverOptions } = serving;

  const node = new ApiNode({
    store: { url: store.url, ...(store.schema ? { schema: store.schema } : {}) },
    sources: config.sources,
    ...(log.type === 'kafka' && config.kafka ? { intakeOnKafka: config.kafka } : {}),
    partitionsFor: (topic) => log.topics[topic]?.partitions ?? log.partitions,
    sinks: config.sinks,
    pipelines: config.pipelines.map((p) => p.plan),
    redis,
    ...(config.alerts ? { alerts: config.alerts } : {}),
    logger,
  });
  return serveUntilSignal({
    logger,
    parts: [{ name: 'API node', start: () => node.start(), stop: () => node.stop() }],
    api: node,
    serverOptions,
    ready: (server) =>
      logger.info(
        {
          url: server.url,
          node: node.node,
          startupSeconds: Math.round(performance.now() - started) / 1000,
          streams: node.streams(),
          api: `${server.url}/api/v1/stats`,
          docs: `${server.url}/docs`,
        },
        `Tributary API node ${node.node} is running: ${server.url}`,
      ),
  });
};
