import { afterEach, describe, expect, it } from 'vitest';
import { KafkaSink, type KafkaSinkSpec } from '../../../src/connectors/kafka/kafka-sink.js';
import { KafkaSource } from '../../../src/connectors/kafka/kafka-source.js';
import { ensureTopics } from '../../../src/connectors/kafka/topics.js';
import { valueAt } from '../../../src/connectors/source.js';
import type { Batch } from '../../../src/engine/batch.js';
import type { TributaryError } from '../../../src/errors.js';
import { formatNamed } from '../../../src/formats/index.js';
import { KEEP_FOREVER, newTopic, testCluster } from './cluster.js';

const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close().catch(() => {});
});

const sink = (
  topic: string,
  task: string,
  guarantee: KafkaSinkSpec['guarantee'] = 'exactly-once',
  reject: (index: number, error: unknown) => void = () => {},
): KafkaSink => {
  const spec: KafkaSinkSpec = {
    type: 'kafka',
    cluster: testCluster(),
    topic,
    format: 'json',
    guarantee,
    partitions: 2,
    topicConfigs: {},
    transactionTimeoutMs: 60_000,
  };
  const context = {
    pipeline: 'p',
    task,
    log: undefined as never,
    writeSeries: async () => {},
    observe: () => {},
    reject: (_sink: string, _batch: unknown, index: number, error: unknown) => reject(index, error),
  };
  const s = new KafkaSink('out', spec, formatNamed('json'), context, `p-${topic}.${task}`);
  opened.push(s);
  return s;
};

const batch = (values: number[]): Batch<unknown> => ({
  values: values.map((n) => ({ n })),
  timestamps: values.map((n) => 1_000 + n),
  keys: values.map((n) => `k${n % 5}`),
});

/** What a read_committed reader sees in the topic after `waitMs` of silence. */
const committed = async (topic: string, waitMs = 1_500): Promise<number[]> => {
  const source = new KafkaSource('check', {
    cluster: testCluster(),
    topic,
    group: `check-${topic}`,
    start: 'earliest',
  });
  opened.push(source);
  source.assign((await source.partitions()).map((p) => p));
  const seen: number[] = [];
  let quietSince = Date.now();
  while (Date.now() - quietSince < waitMs) {
    const read = await source.read(10_000);
    if (!read) {
      await source.waitForRecords(200);
      continue;
    }
    quietSince = Date.now();
    for (let i = 0; i < read.count; i++) seen.push(JSON.parse(Buffer.from(valueAt(read, i)).toString()).n);
  }
  return seen.sort((a, b) => a - b);
};

describe('KafkaSink, exactly-once', () => {
  it('shows an interval to read_committed readers only once its checkpoint committed it', async () => {
    const topic = await newTopic('sink-commit', 2);
    const s = sink(topic, '0');
    s.write(batch([1, 2, 3]));
    await s.flush();
    s.write(batch([4]));
    const commitment = await s.prepare();
    expect(commitment).toMatchObject({ transactionalId: expect.stringMatching(/\.out\.[01]$/) });
    expect(await committed(topic)).toEqual([]);
    await s.commit();
    expect(await committed(topic)).toEqual([1, 2, 3, 4]);
  });

  it('sends an aborted interval again in the next one, and every result lands once', async () => {
    const topic = await newTopic('sink-abort', 2);
    const s = sink(topic, '0');
    s.write(batch([1, 2]));
    await s.prepare();
    await s.abort(); // the checkpoint was not written
    s.write(batch([3]));
    await s.prepare();
    await s.commit();
    expect(await committed(topic)).toEqual([1, 2, 3]);
  });

  it('commits what a crashed instance prepared, from the checkpoint, before a new one fences it', async () => {
    const topic = await newTopic('sink-recover', 2);
    const crashed = sink(topic, '3');
    crashed.write(batch([7, 8, 9]));
    const commitment = await crashed.prepare();
    // The checkpoint recording `commitment` was written; the process died before the commit.
    const restarted = sink(topic, '3');
    await restarted.recover(commitment!);
    restarted.write(batch([10]));
    await restarted.prepare();
    await restarted.commit();
    expect(await committed(topic)).toEqual([7, 8, 9, 10]);
    // The old instance is fenced: it cannot commit anything more.
    crashed.write(batch([99]));
    await expect(
      crashed
        .flush()
        .then(() => crashed.prepare())
        .then(() => crashed.commit()),
    ).rejects.toMatchObject({
      code: 'TRB_KAFKA_FENCED',
    });
    expect(await committed(topic)).toEqual([7, 8, 9, 10]);
  });
});

describe('KafkaSink and the timestamps a topic accepts', () => {
  it('dead-letters a result stamped outside message.timestamp.*.max.ms, and commits the others', async () => {
    const topic = `sink-timestamps-${Date.now()}`;
    await ensureTopics(testCluster(), [
      { topic, partitions: 2, configs: { ...KEEP_FOREVER, 'message.timestamp.before.max.ms': '86400000' } },
    ]);
    const refused: { index: number; error: unknown }[] = [];
    const s = sink(topic, 'ts', 'exactly-once', (index, error) => refused.push({ index, error }));
    await s.open();
    const now = Date.now();
    // A result of now, one two hours ahead (over the default hour), one of two days ago (over the day set).
    s.write({
      values: [{ n: 0 }, { n: 1 }, { n: 2 }],
      timestamps: [now, now + 7_200_000, now - 172_800_000],
    });
    await s.prepare();
    await s.commit();
    expect(await committed(topic)).toEqual([0]);
    expect(refused.map((r) => r.index)).toEqual([1, 2]);
    expect(refused.map((r) => (r.error as TributaryError).code)).toEqual([
      'TRB_BAD_RECORD',
      'TRB_BAD_RECORD',
    ]);
    expect((refused[0].error as Error).message).toContain(
      `topic "${topic}" refuses (message.timestamp.after.max.ms=3600000)`,
    );
    expect((refused[1].error as Error).message).toContain('message.timestamp.before.max.ms=86400000');
  });
});
