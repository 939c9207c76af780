import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { ensureTopics, withAdmin } from '../../../src/connectors/kafka/topics.js';
import { testCluster } from './cluster.js';

const topicConfig = (topic: string, name: string) =>
  withAdmin(testCluster(), async (admin) => {
    const [described] = await admin.describeConfigs({
      resources: [
        { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [name] },
      ],
    });
    return described.configs.find((c) => c.name === name)?.value;
  });

describe('ensureTopics', () => {
  it('creates a missing topic with its partitions and configs, and leaves an existing one as it is', async () => {
    const topic = `ensured-${randomUUID().slice(0, 8)}`;
    const counts = await ensureTopics(testCluster(), [
      { topic, partitions: 3, configs: { 'retention.ms': '-1' } },
    ]);
    expect(counts.get(topic)).toBe(3);
    expect(await topicConfig(topic, 'retention.ms')).toBe('-1');

    const again = await ensureTopics(testCluster(), [
      { topic, partitions: 5, configs: { 'retention.ms': '1000' } },
    ]);
    expect(again.get(topic)).toBe(3);
    expect(await topicConfig(topic, 'retention.ms')).toBe('-1');
  });

  it('names the topic and the configs a broker refuses', async () => {
    const topic = `refused-${randomUUID().slice(0, 8)}`;
    const refused = await ensureTopics(testCluster(), [
      { topic, partitions: 1, configs: { 'retention.ms': 'a week' } },
    ]).catch((error: Error & { code?: string }) => error);
    expect(refused).toMatchObject({ code: 'TRB_KAFKA_FAILED' });
    expect((refused as Error).message).toMatch(
      new RegExp(`refused to create topic "${topic}".*retention\\.ms.*a week.*invalid.*topic_configs`),
    );
  });
});
