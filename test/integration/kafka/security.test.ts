/**
 * A pipeline on a cluster that wants SASL/SCRAM-SHA-512: it reads and writes (exactly-once,
 * transactions and all) as the SCRAM user, the password comes from the environment and
 * shows in no log line, and a wrong password is refused with an error that says so.
 */
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { newTopic, testProducer } from '../../connectors/kafka/cluster.js';
import { kafkaBrokers, kafkaScramBrokers, kafkaTlsBrokers } from '../../kafka.js';
import { consumeConfluent } from './clients.js';
import { startPlatform } from './platform.js';

const PASSWORD = 'tributary-secret';

/** A logger at debug level into a string: what an operator's log would hold. */
const capturedLogger = () => {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), text: () => text };
};

/** `tls`: the `kafka.tls` section, for the SASL_SSL listener. */
const config = (brokers: string, input: string, output: string, tls?: string) => (dataDir: string) =>
  `
data_dir: ${dataDir}
workers: 0
checkpoint: { interval: 500ms }
kafka:
  brokers: "${brokers}"
  sasl: { mechanism: scram-sha-512, username: tributary, password: "\${KAFKA_PASSWORD}" }
  request_timeout: 10s${tls === undefined ? '' : `\n  tls: ${tls}`}
sources:
  clicks: { type: kafka, topic: ${input} }
sinks:
  out: { type: kafka, topic: ${output} }
pipelines:
  - name: scram-${input}
    source: clicks
    time: timestamp
    steps:
      - key_by: user_id
      - window: { tumbling: 1s }
        aggregate: { clicks: count }
    sinks: [out]
`;

describe('a pipeline on Kafka over SASL/SCRAM', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it.each([
    ['SASL_PLAINTEXT', () => ({ brokers: kafkaScramBrokers(), tls: undefined })],
    [
      'SASL_SSL, trusting the cluster certificate',
      () => ({ brokers: kafkaTlsBrokers().brokers, tls: `{ ca: "${kafkaTlsBrokers().ca}" }` }),
    ],
  ])(
    'reads and writes exactly-once as the SCRAM user over %s, its password in no log line',
    {
      timeout: 120_000,
    },
    async (_, listener) => {
      const { brokers, tls } = listener();
      const [input, output] = [await newTopic('scram-clicks', 2), await newTopic('scram-counts', 2)];
      const producer = testProducer();
      cleanup.push(() => producer.close());
      const clicks = Array.from({ length: 300 }, (_, i) => ({
        user_id: `u${i % 5}`,
        timestamp: 1_000 + i * 10,
      }));
      const closing = { user_id: 'u0', timestamp: 60_000 };
      await producer.send({
        messages: [
          ...clicks.map((c, i) => ({
            topic: input,
            partition: i % 2,
            value: Buffer.from(JSON.stringify(c)),
          })),
          // Past every window, on both partitions: their watermarks close them all.
          ...[0, 1].map((partition) => ({
            topic: input,
            partition,
            value: Buffer.from(JSON.stringify(closing)),
          })),
        ],
      });
      const log = capturedLogger();
      const started = await startPlatform(
        config(brokers, input, output, tls),
        { logger: log.logger },
        {
          KAFKA_PASSWORD: PASSWORD,
        },
      );
      cleanup.push(started.close);

      const expected = new Map<string, number>();
      for (const c of clicks) {
        const id = `${c.user_id}@${c.timestamp - (c.timestamp % 1_000)}`;
        expected.set(id, (expected.get(id) ?? 0) + 1);
      }
      // Read back by confluent-kafka, read_committed, on the broker's plaintext listener.
      const read = await consumeConfluent(kafkaBrokers(), output, expected.size, 30);
      const got = new Map(
        read.map(({ value }) => {
          const row = value as { key: string; start: number; clicks: number };
          return [`${row.key}@${row.start}`, row.clicks];
        }),
      );
      expect(got).toEqual(expected);
      await started.close();
      expect(log.text()).toContain('scram-');
      expect(log.text()).not.toContain(PASSWORD);
    },
  );

  it('refuses a wrong password with an error that names the authentication, not the password', {
    timeout: 120_000,
  }, async () => {
    const brokers = kafkaScramBrokers();
    const [input, output] = [await newTopic('scram-clicks', 1), await newTopic('scram-counts', 1)];
    const log = capturedLogger();
    const wrong = 'not-the-password';
    const starting = startPlatform(
      config(brokers, input, output),
      { logger: log.logger },
      { KAFKA_PASSWORD: wrong },
    );
    const error = await starting.then(
      async (started) => {
        cleanup.push(started.close);
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/SASL|authentication/i);
    expect(error?.message).toContain('tributary');
    expect(error?.message).not.toContain(wrong);
    expect(log.text()).not.toContain(wrong);
  });
});

describe('a pipeline on Kafka over TLS', () => {
  it('refuses a broker whose certificate no configured CA vouches for, saying so', {
    timeout: 120_000,
  }, async () => {
    const [input, output] = [await newTopic('tls-clicks', 1), await newTopic('tls-counts', 1)];
    const error = await startPlatform(
      config(kafkaTlsBrokers().brokers, input, output, '{}'),
      {},
      {
        KAFKA_PASSWORD: PASSWORD,
      },
    ).then(
      async (started) => {
        await started.close();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/certificate/i);
    expect(error?.message).toContain(kafkaTlsBrokers().brokers);
  });
});
