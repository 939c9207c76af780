/**
 * The configuration file of a round: the pipeline of kafka-throughput (clicks keyed by user,
 * `partitioned: true`, counted per 10 s tumbling window) as a fleet of `tributary worker`
 * processes runs it — one file for every process; what differs between them (data
 * directory, port) comes from the environment. Everything a round writes is its own: the
 * consumer group, the PostgreSQL schema (checkpoints and results) and the Redis prefix.
 */

export interface RoundNames {
  readonly brokers: string;
  readonly topic: string;
  readonly pipeline: string;
  readonly group: string;
  readonly schema: string;
  readonly redisPrefix: string;
  readonly series: string;
  readonly checkpointMs: number;
}

export const fleetConfig = (round: RoundNames): string => `
kafka: { brokers: ${JSON.stringify(round.brokers)} }
store: { type: postgres, url: "\${DATABASE_URL}", schema: ${round.schema} }
redis: { url: "\${REDIS_URL}", prefix: ${round.redisPrefix} }
checkpoint: { interval: ${round.checkpointMs}ms }
# One worker thread a process: the processes, not the threads, are what scale out here.
workers: 1
sources:
  clicks: { type: kafka, topic: ${round.topic}, format: json, start: earliest }
pipelines:
  - name: ${round.pipeline}
    consumer_group: ${round.group}
    source: clicks
    time: timestamp
    steps:
      - key_by: user_id
        partitioned: true
      - window: { tumbling: 10s }
        aggregate: { clicks: count }
    sink: ${round.series}
`;
