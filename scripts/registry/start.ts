/**
 * Starts a local Confluent-compatible schema registry (Apicurio, see registry.ts) and
 * prints where it answers:
 *
 *   node dist/scripts/registry/start.js [--dir DIR] [--port 8081] [--heap 512]
 *
 * stdout gets `SCHEMA_REGISTRY_URL=…`, the rest goes to stderr. It runs until SIGINT or
 * SIGTERM, then stops the registry; its schemas live in memory and go with it. Without
 * --dir its log is in a temporary folder, removed then.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { APICURIO_VERSION, RegistryServerError, startRegistry } from './registry.js';

const usage = 'usage: start.js [--dir DIR] [--port 8081] [--heap MB]';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    port: { type: 'string', default: '8081' },
    heap: { type: 'string', default: '512' },
  },
});

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

const port = Number(values.port);
const heapMb = Number(values.heap);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a port number\n${usage}`);
if (!Number.isInteger(heapMb) || heapMb < 128)
  fail(`--heap must be a number of megabytes, 128 or more\n${usage}`);

let signalled = false;
// Ctrl-C during the start: stop the registry once it is up instead of leaving it behind.
const onSignal = () => (signalled = true);
process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

try {
  const started = Date.now();
  const registry = await startRegistry({ dir: values.dir ? resolve(values.dir) : undefined, port, heapMb });
  process.stdout.write(`SCHEMA_REGISTRY_URL=${registry.url}\n`);
  process.stderr.write(
    `Apicurio Registry ${APICURIO_VERSION} is ready (${Math.round((Date.now() - started) / 1000)} s, ` +
      `pid ${registry.pid}); global compatibility BACKWARD, schemas in memory.\n`,
  );
  if (!signalled) {
    process.stderr.write('Ctrl-C stops it.\n');
    await new Promise((done) => {
      process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
      process.once('SIGINT', done).once('SIGTERM', done);
    });
  }
  process.stderr.write('Stopping the schema registry…\n');
  await registry.stop();
} catch (error) {
  fail(error instanceof RegistryServerError ? error.message : String((error as Error).stack ?? error));
}
