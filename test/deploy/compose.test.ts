/**
 * deploy/docker-compose.yml, checked without a Docker engine: the services and what they
 * run, the files they mount, the environment against the product's own configuration
 * loader, the start order, Kafka's single-node settings against those the test broker is
 * proven with, and Prometheus' and Grafana's files against what they point at.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KAFKA_VERSION } from '../../scripts/kafka/install.js';
import { serverProperties } from '../../scripts/kafka/properties.js';
import { loadConfig } from '../../src/config/index.js';
import { PlatformMetrics } from '../../src/runtime/metrics.js';
import { parseApiKeys } from '../../src/server/api-keys.js';
import { resolveOptions } from '../../src/server/options.js';
import { DEPLOY, dockerfile, last, ROOT, read, readYaml, relabel, requiredVariables } from './files.js';

const COMPOSE = 'deploy/docker-compose.yml';
const compose = readYaml(COMPOSE);
const services: Record<string, any> = compose.services;
const TRIBUTARY = ['worker', 'api'];
const PROMTOOL = '/usr/bin/promtool';

/** A short-syntax volume `SOURCE:TARGET[:MODE]`; a bind mount's source as a repository path. */
const mountsOf = (service: string) =>
  ((services[service].volumes ?? []) as string[]).map((volume) => {
    const [source, target] = volume.split(':');
    const bind = source.startsWith('.') || source.startsWith('/');
    return {
      source,
      target,
      bind,
      ...(bind ? { path: relative(ROOT, resolve(DEPLOY, source)).split('\\').join('/') } : {}),
    };
  });

const mountAt = (service: string, target: string) => {
  const mount = mountsOf(service).find((m) => m.target === target);
  if (!mount) throw new Error(`${service} mounts nothing at ${target}`);
  return mount;
};

/** The --config argument of a Tributary service's command. */
const configArgument = (service: string): string => {
  const command = services[service].command as string[];
  return command[command.indexOf('--config') + 1];
};

describe('deploy/docker-compose.yml', () => {
  it('has Kafka, PostgreSQL, Redis, two workers, an API node, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'grafana', 'kafka', 'postgres', 'prometheus', 'redis', 'worker'].sort(),
    );
    // The Kafka the test suite's broker runs (scripts/kafka/install.ts), in KRaft mode.
    expect(services.kafka.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(services.postgres.image).toMatch(/^postgres:/);
    expect(services.redis.image).toMatch(/^redis:/);
    expect(services.worker.deploy.replicas).toBe(2);
    expect(services.api.deploy?.replicas ?? 1).toBe(1);
  });

  it('workers run `tributary worker` and the API node `tributary api`, both from the image this repository builds', () => {
    expect(services.worker.command[0]).toBe('worker');
    expect(services.api.command[0]).toBe('api');
    for (const name of TRIBUTARY) {
      const { context, dockerfile: file } = services[name].build;
      expect(resolve(DEPLOY, context)).toBe(resolve(ROOT));
      expect(existsSync(resolve(DEPLOY, context, file))).toBe(true);
    }
  });

  it('mounts deploy/tributary.yaml where --config looks for it', () => {
    for (const name of TRIBUTARY) {
      const mount = mountAt(name, configArgument(name));
      expect(mount.path).toBe('deploy/tributary.yaml');
      expect(existsSync(join(ROOT, mount.path!))).toBe(true);
    }
  });

  it('sets every variable tributary.yaml needs, and with that environment the configuration loads and the server may bind beyond loopback', async () => {
    const needed = requiredVariables(read('deploy/tributary.yaml'));
    expect(needed.length).toBeGreaterThan(0);
    for (const name of TRIBUTARY) {
      const env = services[name].environment as Record<string, string>;
      for (const variable of needed) expect(env[variable], `${name} sets ${variable}`).toBeTruthy();
      const config = await loadConfig(join(DEPLOY, 'tributary.yaml'), { env });
      expect(config.server.host).toBe('0.0.0.0');
      expect(config.server.port).toBe(8080);
      // What `tributary api` / `worker` check before listening: beyond loopback, keys are required.
      expect(() =>
        resolveOptions({ host: config.server.host, apiKeys: config.server.apiKeys }),
      ).not.toThrow();
    }
  });

  it('points the Tributary processes at the Kafka, PostgreSQL and Redis services', () => {
    const env = services.worker.environment as Record<string, string>;
    const [kafkaHost, kafkaPort] = env.KAFKA_BROKERS.split(':');
    expect(kafkaHost).toBe('kafka');
    expect(services.kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain(`//kafka:${kafkaPort}`);
    const database = new URL(env.DATABASE_URL);
    expect(database.hostname).toBe('postgres');
    expect(database.username).toBe(services.postgres.environment.POSTGRES_USER);
    expect(database.password).toBe(services.postgres.environment.POSTGRES_PASSWORD);
    expect(database.pathname).toBe(`/${services.postgres.environment.POSTGRES_DB}`);
    expect(new URL(env.REDIS_URL).hostname).toBe('redis');
    expect(services.api.ports).toEqual([`${env.PORT}:${env.PORT}`]);
  });

  it('gives the single Kafka node the settings the test broker is proven with (replication 1, min ISR 1, no rebalance delay)', () => {
    const node = { id: 1, dir: '/x', ports: { plaintext: 1, sasl: 2, tls: 3, controller: 4 } };
    const properties = serverProperties(node, [node], '/x', { file: '/x', password: 'x' });
    const wanted = properties
      .split('\n')
      .map((line) => line.split('='))
      .filter(([key]) => /replication\.factor|min\.isr|min\.insync|initial\.rebalance/.test(key));
    expect(wanted.length).toBeGreaterThanOrEqual(8);
    // The image's rule: . becomes _, _ becomes __, - becomes ___, upper case, KAFKA_ before it.
    const envName = (key: string) =>
      `KAFKA_${key.replaceAll('_', '__').replaceAll('-', '___').replaceAll('.', '_').toUpperCase()}`;
    for (const [key, value] of wanted) {
      expect(String(services.kafka.environment[envName(key)]), `${envName(key)} (${key})`).toBe(value);
    }
    expect(services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  it('starts things in order: each condition service_healthy waits on a service that has a health check', () => {
    const healthy = (name: string) =>
      services[name].healthcheck !== undefined ||
      (services[name].build !== undefined && last(dockerfile().at(-1)!, 'HEALTHCHECK') !== undefined);
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries<any>(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(healthy(dependency), `${dependency} has a health check`).toBe(true);
      }
    }
    for (const name of TRIBUTARY) {
      for (const backend of ['kafka', 'postgres', 'redis'])
        expect(services[name].depends_on[backend]).toEqual({ condition: 'service_healthy' });
    }
  });

  it('declares every named volume it mounts', () => {
    for (const name of Object.keys(services)) {
      for (const mount of mountsOf(name)) {
        if (mount.bind)
          expect(existsSync(join(ROOT, mount.path!)), `${name}: ${mount.source} exists`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${mount.source}`).toHaveProperty(mount.source);
      }
    }
  });

  describe('Prometheus', () => {
    const configMount = mountAt('prometheus', '/etc/prometheus/prometheus.yml');
    const prometheus = readYaml(configMount.path!);
    const job = prometheus.scrape_configs.find((j: any) => j.job_name === 'tributary');

    it('loads docs/monitoring/prometheus-alerts.yml as its rules, mounted where rule_files looks', () => {
      const rules = mountsOf('prometheus').find((m) => m.path === 'docs/monitoring/prometheus-alerts.yml');
      expect(rules).toBeDefined();
      const looked = prometheus.rule_files.map((f: string) =>
        posix.resolve(posix.dirname(configMount.target), f),
      );
      expect(looked).toContain(rules!.target);
    });

    it('scrapes every worker and the API node in the job the alert rules name, with a key that has the read scope', () => {
      // TributaryDown is up{job="tributary"} == 0.
      expect(read('docs/monitoring/prometheus-alerts.yml')).toContain('up{job="tributary"}');
      expect(job).toBeDefined();
      const discovery = job.dns_sd_configs[0];
      expect([...discovery.names].sort()).toEqual([...TRIBUTARY].sort());
      expect(String(discovery.port)).toBe(services.worker.environment.PORT);
      const keys = parseApiKeys(services.worker.environment.TRIBUTARY_API_KEYS);
      const key = keys.find((k) => k.key === job.authorization.credentials);
      expect(key?.scopes, 'the credentials are one of TRIBUTARY_API_KEYS').toContain('read');
    });

    it("keeps one copy of each pipeline series: the workers' own, not the API node's re-export of them", () => {
      const target = (service: string) => relabel(job.relabel_configs, { __meta_dns_name: service })!;
      expect(target('worker').role).toBe('worker');
      expect(target('api').role).toBe('api');
      const kept = (service: string, labels: Record<string, string>) =>
        relabel(job.metric_relabel_configs, { ...labels, role: target(service).role }) !== undefined;
      const pipelineMetrics = new PlatformMetrics(() => {}).registry
        .getMetricsAsArray()
        .filter((m: any) => (m.labelNames as string[]).includes('pipeline'))
        .map((m) => m.name);
      expect(pipelineMetrics).toContain('tributary_consumer_lag_records');
      for (const name of pipelineMetrics) {
        const series = { __name__: name, pipeline: 'clicks-per-user' };
        expect(kept('worker', series), `${name} from a worker`).toBe(true);
        expect(kept('api', series), `${name} from the API node`).toBe(false);
      }
      expect(kept('api', { __name__: 'tributary_http_requests_total', route: '/api/v1/stats' })).toBe(true);
    });

    it('passes promtool check config, with the files laid out as the container mounts them', () => {
      expect(
        existsSync(PROMTOOL),
        `${PROMTOOL} is missing: run scripts/prepare-tests.sh (npm test does)`,
      ).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'tributary-compose-prometheus-'));
      try {
        for (const mount of mountsOf('prometheus').filter((m) => m.bind)) {
          const target = join(dir, mount.target);
          mkdirSync(dirname(target), { recursive: true });
          copyFileSync(join(ROOT, mount.path!), target);
        }
        const result = spawnSync(PROMTOOL, ['check', 'config', join(dir, configMount.target)], {
          encoding: 'utf8',
        });
        expect(result.status, result.stdout + result.stderr).toBe(0);
        expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('Grafana', () => {
    const mounts = mountsOf('grafana');
    const provisioned = (kind: string) => {
      const mount = mounts.find((m) => m.target.startsWith(`/etc/grafana/provisioning/${kind}/`));
      if (!mount) throw new Error(`grafana: nothing mounted under /etc/grafana/provisioning/${kind}/`);
      return readYaml(mount.path!);
    };

    it('provisions the dashboard file docs/monitoring/grafana-dashboard.json from the folder its provider reads', () => {
      const dashboard = mounts.find((m) => m.path === 'docs/monitoring/grafana-dashboard.json');
      expect(dashboard).toBeDefined();
      const json = JSON.parse(readFileSync(join(ROOT, dashboard!.path!), 'utf8'));
      expect(json.uid).toBe('tributary');
      const providers = provisioned('dashboards').providers as any[];
      expect(providers.map((p) => p.options.path)).toContain(posix.dirname(dashboard!.target));
      expect(dashboard!.target).toMatch(/\.json$/);
    });

    it("provisions a default Prometheus data source at the prometheus service, the kind the dashboard's panels ask for", () => {
      const [source] = provisioned('datasources').datasources as any[];
      const dashboard = JSON.parse(read('docs/monitoring/grafana-dashboard.json'));
      const variable = dashboard.templating.list.find((v: any) => v.type === 'datasource');
      expect(source.type).toBe(variable.query);
      expect(source.isDefault).toBe(true);
      const url = new URL(source.url);
      expect(url.hostname).toBe('prometheus');
      expect(services.prometheus.ports).toContain(`${url.port}:${url.port}`);
    });
  });
});
