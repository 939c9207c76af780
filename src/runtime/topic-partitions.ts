import { join } from 'node:path';
import type { EmbeddedLog } from '../connectors/log/embedded-log.js';
import type { Plan } from '../engine/plan/plan.js';
import { TributaryError } from '../errors.js';

/** "1 partition", "4 partitions". */
const partitionCount = (count: number): string => (count === 1 ? '1 partition' : `${count} partitions`);

/**
 * Refuses to start when a topic the platform's sources feed or its pipelines read has, on
 * disk, another partition count than the configuration gives it. The embedded log creates a
 * topic with its configured count and from then on keeps the count in its `topic.json`,
 * whatever the options say. Going on with the count on disk would make the setting look
 * applied when it is not; growing the topic to fit would send keys to other partitions than
 * their earlier records and the state pipelines keep of them. So neither happens: the
 * message names the topic, both counts and the ways out.
 *
 * Topics the platform writes for itself (dead letters, alerts' late events) are not checked:
 * no pipeline keeps state by their partitions.
 */
export const checkTopicPartitions = (
  log: EmbeddedLog,
  sources: readonly string[],
  plans: readonly Plan[],
  configured: (topic: string) => number,
): void => {
  const readers = new Map<string, string[]>();
  for (const topic of sources) readers.set(topic, []);
  for (const plan of plans) {
    for (const node of plan.nodes) {
      if (node.kind !== 'source') continue;
      const names = readers.get(node.source) ?? [];
      if (!names.includes(plan.name)) names.push(plan.name);
      readers.set(node.source, names);
    }
  }
  const problems: string[] = [];
  for (const [topic, pipelines] of [...readers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const onDisk = log.partitions(topic);
    const wanted = configured(topic);
    if (onDisk === 0 || onDisk === wanted) continue;
    const read = pipelines.length === 0 ? 'no pipeline reads it' : `read by ${pipelines.join(', ')}`;
    problems.push(
      `topic "${topic}" has ${partitionCount(onDisk)} on disk, but ${wanted} configured ` +
        `(\`sources.${topic}.partitions\`, else \`log.partitions\`; ${read}). Tributary never repartitions a topic: ` +
        `its keys would land in other partitions than their earlier records and the state kept of them. ` +
        `Configure ${onDisk} again; or, to start the topic over with ${wanted}, stop Tributary, delete ` +
        `${join(log.dir, topic)} (its records are lost) and reset each pipeline that reads it with ` +
        '`tributary reset --config FILE PIPELINE`',
    );
  }
  if (problems.length > 0) throw new TributaryError('TRB_LOG_BAD_CONFIG', problems.join('; '));
};
