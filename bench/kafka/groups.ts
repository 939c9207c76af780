/**
 * Every run of a contender reads as a consumer group of its own, new to the cluster, so that
 * it starts at the earliest offset and no committed offset of another run applies. The
 * groups are deleted at the end, which matters on a shared cluster (`KAFKA_BROKERS`).
 */
import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { info } from '../harness.js';

const created = new Set<string>();

/** A group id no one has used: `tributary-bench-<contender>-<random>`. */
export const freshGroupId = (contender: string): string => {
  const id = `tributary-bench-${contender}-${randomBytes(4).toString('hex')}`;
  created.add(id);
  return id;
};

/** Deletes the groups handed out so far; a failure is reported, not thrown. */
export const deleteFreshGroups = async (brokers: string): Promise<void> => {
  if (created.size === 0) return;
  const admin = new Admin({ clientId: 'tributary-bench-admin', bootstrapBrokers: brokers.split(',') });
  try {
    // A group that never committed an offset is gone once its last member leaves.
    const existing = await admin.listGroups();
    const groups = [...created].filter((id) => existing.has(id));
    if (groups.length > 0) await admin.deleteGroups({ groups });
    created.clear();
  } catch (error) {
    info(`  could not delete the consumer groups ${[...created].join(', ')}: ${String(error)}`);
  } finally {
    await admin.close();
  }
};
