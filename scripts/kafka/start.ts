/**
 * Starts a local Apache Kafka broker (see broker.ts) and prints where it listens:
 *
 *   node dist/scripts/kafka/start.js [--dir DIR] [--port 9092] [--nodes 3] [--heap 512] [--detach]
 *
 * stdout gets `KAFKA_BROKERS=…`, `KAFKA_SCRAM_BROKERS=…`, `KAFKA_TLS_BROKERS=…` (SCRAM over
 * TLS) and `KAFKA_TLS_CA=…` (the certificate to trust), the rest goes to stderr.
 * In the foreground it runs until SIGINT or SIGTERM, then stops the nodes; without
 * --dir its data is a temporary folder, removed then. With --detach (which needs --dir)
 * it returns once the broker is ready; scripts/kafka/stop.ts stops it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaBrokerError, SCRAM_MECHANISM, SCRAM_PASSWORD, SCRAM_USER, startKafka } from './broker.js';

const usage = 'usage: start.js [--dir DIR] [--port 9092] [--nodes 1|3] [--heap MB] [--detach]';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    port: { type: 'string', default: '9092' },
    nodes: { type: 'string', default: '1' },
    heap: { type: 'string', default: '512' },
    detach: { type: 'boolean', default: false },
  },
});

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

const nodes = values.nodes === '3' ? 3 : values.nodes === '1' ? 1 : fail(`--nodes must be 1 or 3\n${usage}`);
const port = Number(values.port);
const heapMb = Number(values.heap);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a port number\n${usage}`);
if (!Number.isInteger(heapMb) || heapMb < 128)
  fail(`--heap must be a number of megabytes, 128 or more\n${usage}`);
if (values.detach && !values.dir)
  fail(`--detach needs --dir: stop.js finds the nodes by their pid files there\n${usage}`);

const dir = values.dir ? resolve(values.dir) : await mkdtemp(join(tmpdir(), 'tributary-kafka-'));
let signalled = false;
// Ctrl-C during the start: stop the nodes once they are up instead of leaving them behind.
const onSignal = () => (signalled = true);
process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

try {
  const started = Date.now();
  const kafka = await startKafka({ dir, port, nodes, heapMb, detached: values.detach });
  process.stdout.write(
    `KAFKA_BROKERS=${kafka.brokers}\nKAFKA_SCRAM_BROKERS=${kafka.scramBrokers}\n` +
      `KAFKA_TLS_BROKERS=${kafka.tlsBrokers}\nKAFKA_TLS_CA=${kafka.tlsCa}\n`,
  );
  process.stderr.write(
    `Kafka is ready (${nodes} node${nodes === 1 ? '' : 's'}, ${Math.round((Date.now() - started) / 1000)} s, ` +
      `pid ${kafka.pids.join(', ')}); ${SCRAM_MECHANISM} user ${SCRAM_USER} / ${SCRAM_PASSWORD}; ` +
      `data and logs in ${dir}.\n`,
  );
  if (values.detach) {
    process.stderr.write(`Stop it with: node dist/scripts/kafka/stop.js --dir ${dir}\n`);
    process.exit(0);
  }
  if (!signalled) {
    process.stderr.write('Ctrl-C stops it.\n');
    await new Promise((done) => {
      process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
      process.once('SIGINT', done).once('SIGTERM', done);
    });
  }
  process.stderr.write('Stopping Kafka…\n');
  await kafka.stop();
  if (!values.dir) await rm(dir, { recursive: true, force: true });
} catch (error) {
  if (!values.dir) await rm(dir, { recursive: true, force: true });
  fail(error instanceof KafkaBrokerError ? error.message : String((error as Error).stack ?? error));
}
