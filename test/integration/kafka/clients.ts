/**
 * The Kafka clients people already use, driven from tests: the seed documents' producer
 * pattern with kafka-python, kcat, and confluent-kafka reading read_committed. Debian's
 * Python modules import only under /usr/bin/python3.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** The seeds' producer: KafkaProducer with a JSON value serializer, keyed by `keyField`. */
export const producePython = async (
  brokers: string,
  topic: string,
  events: readonly object[],
  keyField: string,
): Promise<void> => {
  const script = `
import json, sys
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1].split(','),
                         value_serializer=lambda v: json.dumps(v).encode('utf-8'),
                         key_serializer=lambda k: k.encode('utf-8'), acks='all')
for line in sys.stdin:
    event = json.loads(line)
    producer.send(sys.argv[2], key=str(event[sys.argv[3]]), value=event)
producer.flush()
`;
  const child = run(PYTHON, ['-c', script, brokers, topic, keyField], { maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin!.end(events.map((e) => JSON.stringify(e)).join('\n'));
  await child;
};

/** kcat as a producer: one JSON value per line, `key:value`. */
export const produceKcat = async (
  brokers: string,
  topic: string,
  records: readonly { key: string; value: unknown }[],
): Promise<void> => {
  const child = run('kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t'], { maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin!.end(`${records.map((r) => `${r.key}\t${JSON.stringify(r.value)}`).join('\n')}\n`);
  await child;
};

/** A record as confluent-kafka read it: the value as bytes, the headers as text. */
export interface ReadRecord {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Reads a topic from the start with confluent-kafka, read_committed, until `count` records or `timeoutS` of silence. */
export const consumeConfluentRaw = async (
  brokers: string,
  topic: string,
  count: number,
  timeoutS = 20,
): Promise<ReadRecord[]> => {
  const script = `
import json, sys, time, uuid
from confluent_kafka import Consumer
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'check-' + uuid.uuid4().hex,
              'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed', 'enable.auto.commit': False})
c.subscribe([sys.argv[2]])
want, quiet = int(sys.argv[3]), float(sys.argv[4])
got, last = 0, time.time()
while got < want and time.time() - last < quiet:
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    last = time.time()
    got += 1
    headers = {k: (v or b'').decode('utf-8', 'replace') for k, v in (m.headers() or [])}
    print(json.dumps({'key': m.key().decode() if m.key() else None, 'value': (m.value() or b'').hex(), 'headers': headers}))
c.close()
`;
  const { stdout } = await run(PYTHON, ['-c', script, brokers, topic, String(count), String(timeoutS)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const read = JSON.parse(l) as { key: string | null; value: string; headers: Record<string, string> };
      return { ...read, value: Buffer.from(read.value, 'hex') };
    });
};

/** The same, each value parsed as JSON. */
export const consumeConfluent = async (
  brokers: string,
  topic: string,
  count: number,
  timeoutS = 20,
): Promise<{ key: string | null; value: unknown }[]> =>
  (await consumeConfluentRaw(brokers, topic, count, timeoutS)).map(({ key, value }) => ({
    key,
    value: JSON.parse(value.toString('utf8')),
  }));
