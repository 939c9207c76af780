/**
 * The ceiling: Kafka's own `org.apache.kafka.tools.ConsumerPerformance` (the Java client, no
 * decoding, no work per record) reading the topic with a group of its own, in a JVM started
 * for each run. What any client can get out of this broker on this machine.
 *
 * Its `fetch.nMsg.sec` is the rate reported: the tool's time less its group join
 * (`rebalance.time.ms`, reported as `joinMs`). The JVM's start is outside its clock; `processMs`
 * is the whole command, JVM included.
 */
import { kafkaClasspath } from '../../scripts/kafka/install.js';
import { runCommand, tail } from './commands.js';
import type { Contender } from './contender.js';
import { freshGroupId } from './groups.js';

const TOOL = 'org.apache.kafka.tools.ConsumerPerformance';
/** The tool's own limit between two records, and a bound on the whole run. */
const IDLE_MS = 30_000;

export const consumerPerformance: Contender = async (topic, brokers, events) => {
  const args = [
    '-Xmx512m',
    '-cp',
    kafkaClasspath(),
    TOOL,
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--num-records',
    String(events),
    '--group',
    freshGroupId('ceiling'),
    '--timeout',
    String(IDLE_MS),
  ];
  const result = await runCommand('java', args, 60_000 + IDLE_MS + events / 10);
  const stats = result.code === 0 ? parseStats(result.stdout) : undefined;
  if (!stats) {
    throw new Error(
      `${TOOL} ${result.code === null ? 'was killed' : `exited with ${result.code}`}:\n` +
        tail(`${result.stdout}\n${result.stderr}`),
    );
  }
  const consumed = stats['data.consumed.in.nMsg'];
  if (consumed < events) throw new Error(`${TOOL} read ${consumed} of ${events} records of ${topic}`);
  return {
    eventsPerSec: stats['fetch.nMsg.sec'],
    details: {
      mibPerSec: stats['fetch.MB.sec'],
      joinMs: stats['rebalance.time.ms'],
      withJoinEventsPerSec: stats['nMsg.sec'],
      processMs: result.wallMs,
    },
  };
};

/**
 * The tool's stdout: a header line `start.time, end.time, data.consumed.in.MB, MB.sec, …`
 * and one line of values (MB there are MiB, of keys and values). The times are dates; the
 * rest are numbers.
 */
const parseStats = (stdout: string): Record<string, number> | undefined => {
  const lines = stdout.split('\n').map((line) => line.trim());
  const at = lines.findIndex((line) => line.startsWith('start.time,'));
  if (at < 0 || !lines[at + 1]) return undefined;
  const names = lines[at].split(',').map((name) => name.trim());
  const values = lines[at + 1].split(',').map((value) => value.trim());
  if (names.length !== values.length) return undefined;
  const stats = Object.fromEntries(names.map((name, i) => [name, Number(values[i])]));
  const needed = ['data.consumed.in.nMsg', 'nMsg.sec', 'rebalance.time.ms', 'fetch.MB.sec', 'fetch.nMsg.sec'];
  return needed.every((name) => Number.isFinite(stats[name])) ? stats : undefined;
};
