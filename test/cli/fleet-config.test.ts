import { describe, expect, it } from 'vitest';
import { fleetProblems } from '../../src/cli/fleet-config.js';
import { parseConfig } from '../../src/config/index.js';

const parse = (text: string) => parseConfig(text, { file: 'fleet.yaml', env: {} });

describe('what a process of a deployment needs of its configuration', () => {
  it('accepts Kafka intake, a PostgreSQL store and Redis', async () => {
    const config = await parse(`
kafka: { brokers: "127.0.0.1:9092" }
log: { type: kafka }
store: { type: postgres, url: "postgres://127.0.0.1/test" }
redis: { url: "redis://127.0.0.1:6379" }
sources: { clicks: { type: http } }
`);
    expect(fleetProblems(config, 'worker')).toEqual([]);
    expect(fleetProblems(config, 'api')).toEqual([]);
  });

  it('names each setting a single process would keep to itself, and its fix', async () => {
    const config = await parse(`
sources: { clicks: { type: http }, sensors: { type: mqtt, url: "mqtt://127.0.0.1", topic: "s/#" } }
`);
    const problems = fleetProblems(config, 'worker');
    expect(problems.map((p) => p.split(':')[0])).toEqual(['store', 'redis', 'log.type']);
    expect(problems[0]).toContain('tributary worker shares results and checkpoints through PostgreSQL');
    expect(problems[1]).toContain('(or REDIS_URL)');
    expect(problems[2]).toContain('sources "clicks", "sensors" would go to one process\'s embedded log');
  });

  it('needs no Kafka intake when every source is a Kafka topic', async () => {
    const config = await parse(`
kafka: { brokers: "127.0.0.1:9092" }
store: { type: postgres, url: "postgres://127.0.0.1/test" }
redis: { url: "redis://127.0.0.1:6379" }
sources: { clicks: { type: kafka, topic: click_events } }
`);
    expect(fleetProblems(config, 'api')).toEqual([]);
  });
});
