/**
 * Stops a local broker by the pid files its nodes left in DIR (a broker started with
 * `start.js --detach`, or one whose start.js was killed):
 *
 *   node dist/scripts/kafka/stop.js --dir DIR
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stopFromPidFiles } from './processes.js';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
if (!values.dir) {
  process.stderr.write('usage: stop.js --dir DIR (the --dir the broker was started with)\n');
  process.exit(1);
}
const dir = resolve(values.dir);
const stopped = await stopFromPidFiles(dir);
process.stderr.write(
  stopped.length > 0
    ? `Stopped Kafka in ${dir} (pid ${stopped.join(', ')}).\n`
    : `No running Kafka node in ${dir}.\n`,
);
