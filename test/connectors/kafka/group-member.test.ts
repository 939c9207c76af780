import { Admin } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../../src/connectors/kafka/cluster.js';
import { GroupMember } from '../../../src/connectors/kafka/group-member.js';
import { newTopic, testCluster } from './cluster.js';

/** A member that records what it runs, and can be told to take its time releasing. */
const member = (group: string, topic: string, releaseMs = 0) => {
  const running = new Set<number>();
  const events: string[] = [];
  const m = new GroupMember({
    cluster: testCluster(),
    group,
    topic,
    assign: async (partitions) => {
      for (const p of partitions) running.add(p);
      events.push(`+${partitions.join(',')}`);
    },
    revoke: async (partitions) => {
      await new Promise((resolve) => setTimeout(resolve, releaseMs));
      for (const p of partitions) running.delete(p);
      events.push(`-${partitions.join(',')}`);
    },
  });
  return { member: m, running, events };
};

const until = async (condition: () => boolean, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('consumer group membership (KIP-848)', () => {
  it('shares partitions out, moves them only once released, and takes all back when a member leaves', async () => {
    const topic = await newTopic('members', 6);
    const group = `tributary.members-${topic}`;
    const a = member(group, topic, 300);
    const b = member(group, topic);
    await a.member.start();
    await until(() => a.running.size === 6, 'the first member to run every partition');
    // No partition ever runs on both members at once, while the second joins.
    let overlaps = 0;
    const watch = setInterval(() => {
      for (const p of a.running) if (b.running.has(p)) overlaps++;
    }, 5);
    try {
      await b.member.start();
      await until(() => a.running.size === 3 && b.running.size === 3, 'three partitions each');
      expect([...a.running, ...b.running].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(a.member.partitions).toEqual([...a.running].sort());

      // Offsets committed through a member show in the group, as Kafka's tools read them.
      b.member.commit(b.member.partitions.map((partition) => ({ topic, partition, offset: 7 })));
      const admin = new Admin(clientOptions(testCluster(), 'test'));
      const committed = async () => {
        const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
        const partitions = offsets.topics.find((t) => t.name === topic)?.partitions ?? [];
        return partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]).sort();
      };
      try {
        const expected = JSON.stringify(b.member.partitions.map((p) => [p, 7]));
        let seen = '';
        for (let i = 0; i < 50 && seen !== expected; i++) {
          seen = JSON.stringify(await committed());
          if (seen !== expected) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(seen).toBe(expected);
      } finally {
        await admin.close();
      }

      await b.member.close();
      expect(b.running.size).toBe(0);
      await until(() => a.running.size === 6, 'the remaining member to run every partition again');
    } finally {
      clearInterval(watch);
      await a.member.close();
      await b.member.close();
    }
    expect(overlaps).toBe(0);
    expect(a.running.size).toBe(0);
    expect(a.events[0]).toBe('+0,1,2,3,4,5');
  }, 90_000);
});
