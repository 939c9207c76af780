/**
 * deploy/tributary.yaml, the configuration docker compose and Kubernetes run, passes the
 * product's own loader in distributed mode: intake and pipelines on Kafka, results and
 * checkpoints in PostgreSQL, Redis between the processes.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetProblems } from '../../src/cli/fleet-config.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { DEPLOY, read, requiredVariables } from './files.js';

const FILE = join(DEPLOY, 'tributary.yaml');
const ENV = {
  KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
  DATABASE_URL: 'postgres://tributary:secret@db:5432/tributary',
  REDIS_URL: 'redis://cache:6379',
};

describe('deploy/tributary.yaml', () => {
  it('takes its connections from exactly KAFKA_BROKERS, DATABASE_URL and REDIS_URL', () => {
    expect(requiredVariables(read('deploy/tributary.yaml'))).toEqual(Object.keys(ENV).sort());
  });

  it('loads in distributed mode with them set', async () => {
    const config = await loadConfig(FILE, { env: ENV });
    expect(config.log).toMatchObject({ type: 'kafka', partitions: 6 });
    expect(config.store).toMatchObject({ type: 'postgres', url: ENV.DATABASE_URL });
    expect(config.kafka).toBeDefined();
    expect(JSON.stringify(config.kafka)).toContain('kafka-2:9092');
    // The `redis:` block (docs/deployment.md): the hot cache and the live fan-out.
    expect(config.redis?.url).toBe(ENV.REDIS_URL);
    expect(config.pipelines.map((p) => p.name)).toEqual(['clicks-per-user']);
    expect(config.sources.clicks).toMatchObject({ type: 'http' });
  });

  it('is one that `tributary worker` and `tributary api` accept: nothing kept in one process', async () => {
    const config = await loadConfig(FILE, { env: ENV });
    expect(fleetProblems(config, 'worker')).toEqual([]);
    expect(fleetProblems(config, 'api')).toEqual([]);
  });

  it.each(Object.keys(ENV))('refuses to load without %s, naming it', async (name) => {
    const env: Record<string, string> = { ...ENV };
    delete env[name];
    const error = await loadConfig(FILE, { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
  });
});
