import type { TributaryConfig } from '../config/index.js';

export type FleetRole = 'worker' | 'api';

/**
 * Why a configuration cannot run as a process of a fleet (`tributary worker`, `tributary
 * api`), each naming the setting and the fix; empty when it can. Processes of a fleet share
 * their work only through Kafka (intake and the pipelines' input), PostgreSQL (results and
 * checkpoints) and Redis (live updates and status): anything kept in one process's own
 * files would be seen by that process alone.
 */
export const fleetProblems = (config: TributaryConfig, role: FleetRole): string[] => {
  const problems: string[] = [];
  const command = `tributary ${role}`;
  if (config.store.type !== 'postgres')
    problems.push(
      `store: ${command} shares results and checkpoints through PostgreSQL; set store: { type: postgres, url: \${DATABASE_URL} } (or DATABASE_URL)`,
    );
  if (!config.redis)
    problems.push(
      `redis: ${command} sends live updates and task reports to the other processes through Redis; set redis: { url: \${REDIS_URL} } (or REDIS_URL)`,
    );
  if (config.log.type !== 'kafka') {
    const onLog = Object.entries(config.sources)
      .filter(([, source]) => source.type !== 'kafka')
      .map(([name]) => name);
    if (onLog.length > 0)
      problems.push(
        `log.type: sources ${onLog.map((s) => `"${s}"`).join(', ')} would go to one process's embedded log; set log: { type: kafka } so that intake appends to Kafka, where every worker reads it`,
      );
  }
  return problems;
};
