/**
 * deploy/kubernetes/, checked without a cluster: every manifest the kustomization lists, the
 * Deployments' commands, probes, security and environment against the image and the
 * product's configuration loader, the autoscaler's metric against the platform's metrics and
 * the topics' partitions, and the selectors of the budgets and the Service against the pods.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { PlatformMetrics } from '../../src/runtime/metrics.js';
import { resolveOptions } from '../../src/server/options.js';
import {
  DEPLOY,
  dockerfile,
  envOf,
  last,
  read,
  readYaml,
  readYamlDocuments,
  relabel,
  requiredVariables,
  yamlBlocksOf,
} from './files.js';

const DIR = 'deploy/kubernetes';
const kustomization = readYaml(`${DIR}/kustomization.yaml`);
const resources: any[] = (kustomization.resources as string[]).flatMap((file) =>
  readYamlDocuments(`${DIR}/${file}`),
);
const one = (kind: string, name: string) => {
  const found = resources.filter((r) => r.kind === kind && r.metadata.name === name);
  if (found.length !== 1) throw new Error(`${found.length} ${kind} named ${name}; expected one`);
  return found[0];
};
const worker = one('Deployment', 'tributary-worker');
const api = one('Deployment', 'tributary-api');
const configMap = one('ConfigMap', 'tributary-config');
const secret = one('Secret', 'tributary-secrets');
const runtime = dockerfile().at(-1)!;
const PROMTOOL = '/usr/bin/promtool';
const DOCS = 'docs/deployment.md';

const containerOf = (deployment: any) => {
  const containers = deployment.spec.template.spec.containers as any[];
  expect(containers).toHaveLength(1);
  return containers[0];
};

/** The environment a container starts with: its env, and the keys of what envFrom names. */
const environmentOf = (deployment: any): Record<string, string> => {
  const container = containerOf(deployment);
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.secretRef) Object.assign(env, one('Secret', from.secretRef.name).stringData);
    if (from.configMapRef) Object.assign(env, one('ConfigMap', from.configMapRef.name).data);
  }
  for (const variable of container.env ?? []) {
    if ('value' in variable) env[variable.name] = variable.value;
    else if (variable.valueFrom?.configMapKeyRef) {
      const { name, key } = variable.valueFrom.configMapKeyRef;
      env[variable.name] = one('ConfigMap', name).data[key];
    } else if (variable.valueFrom?.secretKeyRef) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      env[variable.name] = one('Secret', name).stringData[key];
    }
  }
  return env;
};

const podLabels = (deployment: any): Record<string, string> => deployment.spec.template.metadata.labels;
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('deploy/kubernetes', () => {
  it('the kustomization lists every manifest in the folder, and each parses', () => {
    const files = readdirSync(join(DEPLOY, 'kubernetes'))
      .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
      .sort();
    expect([...kustomization.resources].sort()).toEqual(files);
    for (const resource of resources) {
      expect(resource.apiVersion, `${resource.kind} ${resource.metadata?.name}`).toBeTruthy();
      expect(resource.metadata.name).toBeTruthy();
    }
  });

  it('has a ConfigMap, a Secret, worker and API Deployments, an autoscaler, two disruption budgets and a Service', () => {
    const kinds = resources.map((r) => `${r.apiVersion} ${r.kind}`).sort();
    expect(kinds).toEqual(
      [
        'v1 Namespace',
        'v1 ConfigMap',
        'v1 Secret',
        'apps/v1 Deployment',
        'apps/v1 Deployment',
        'autoscaling/v2 HorizontalPodAutoscaler',
        'policy/v1 PodDisruptionBudget',
        'policy/v1 PodDisruptionBudget',
        'v1 Service',
      ].sort(),
    );
    expect(one('Namespace', kustomization.namespace)).toBeDefined();
  });

  it("the ConfigMap's tributary.yaml is deploy/tributary.yaml, byte for byte", () => {
    expect(
      configMap.data['tributary.yaml'],
      'edit deploy/tributary.yaml, then copy it into the tributary.yaml key of deploy/kubernetes/configmap.yaml',
    ).toBe(read('deploy/tributary.yaml'));
  });

  it('the Secret holds only placeholders, clearly marked', () => {
    for (const [key, value] of Object.entries<string>(secret.stringData))
      expect(value, `${key} is a placeholder`).toContain('REPLACE-ME');
  });

  describe.each([
    ['worker', worker],
    ['api', api],
  ])('the %s Deployment', (command, deployment) => {
    const container = containerOf(deployment);
    const spec = deployment.spec.template.spec;

    it(`runs \`tributary ${command}\` with the ConfigMap's tributary.yaml as --config`, () => {
      expect(container.command, 'the image’s ENTRYPOINT stays').toBeUndefined();
      expect(container.args[0]).toBe(command);
      const config = container.args[container.args.indexOf('--config') + 1];
      const mount = container.volumeMounts.find((m: any) => config.startsWith(`${m.mountPath}/`));
      const volume = spec.volumes.find((v: any) => v.name === mount.name);
      expect(volume.configMap.name).toBe(configMap.metadata.name);
      const item = volume.configMap.items.find((i: any) => posix.join(mount.mountPath, i.path) === config);
      expect(item?.key).toBe('tributary.yaml');
    });

    it('selects its own pods, and runs the image the kustomization names', () => {
      expect(selects(deployment.spec.selector.matchLabels, podLabels(deployment))).toBe(true);
      expect(podLabels(deployment)['app.kubernetes.io/component']).toBe(command);
      expect(kustomization.images.map((i: any) => i.name)).toContain(container.image);
      const version = JSON.parse(read('package.json')).version;
      expect(kustomization.images.find((i: any) => i.name === container.image).newTag).toBe(version);
    });

    it('is alive while /healthz answers and ready while /readyz does, on the port it listens on', () => {
      const env = environmentOf(deployment);
      const port = container.ports.find((p: any) => p.name === 'http');
      expect(String(port.containerPort)).toBe(env.PORT);
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.startupProbe.httpGet.path).toBe('/healthz');
    });

    it('has resource requests and limits', () => {
      for (const bound of ['requests', 'limits'])
        expect(Object.keys(container.resources[bound]).sort()).toEqual(['cpu', 'memory']);
    });

    it("runs as the image's non-root user, on a read-only root with its data dir writable", () => {
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      const uid = Number(last(runtime, 'USER')!.args.split(':')[0]);
      expect(spec.securityContext.runAsUser).toBe(uid);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      const dataDir = envOf(runtime).TRIBUTARY_DATA_DIR;
      expect(environmentOf(deployment).TRIBUTARY_DATA_DIR).toBe(dataDir);
      const data = container.volumeMounts.find((m: any) => m.mountPath === dataDir);
      expect(spec.volumes.find((v: any) => v.name === data?.name)?.emptyDir).toBeDefined();
    });

    it('sets every variable tributary.yaml needs; with them the configuration loads and the server may bind beyond loopback', async () => {
      const env = environmentOf(deployment);
      for (const variable of requiredVariables(read('deploy/tributary.yaml')))
        expect(env[variable], `${variable} is set`).toBeTruthy();
      const config = await loadConfig(join(DEPLOY, 'tributary.yaml'), { env });
      expect(config.server.host).toBe('0.0.0.0');
      expect(() =>
        resolveOptions({ host: config.server.host, apiKeys: config.server.apiKeys }),
      ).not.toThrow();
    });
  });

  describe('the autoscaler', () => {
    const hpa = one('HorizontalPodAutoscaler', 'tributary-worker');
    const [metric] = hpa.spec.metrics;

    it('scales the worker Deployment, which leaves its replica count to it', () => {
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'tributary-worker',
      });
      expect(worker.spec.replicas).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    });

    it("on the platform's consumer-lag gauge, for a pipeline of tributary.yaml", async () => {
      expect(metric.type).toBe('External');
      const { name, selector } = metric.external.metric;
      const gauge = new PlatformMetrics(() => {}).registry.getSingleMetric(name) as any;
      expect(gauge, `${name} is a metric of src/runtime/metrics.ts`).toBeDefined();
      expect(gauge.labelNames).toContain('pipeline');
      const config = await loadConfig(join(DEPLOY, 'tributary.yaml'), { env: environmentOf(worker) });
      expect(config.pipelines.map((p) => p.name)).toContain(selector.matchLabels.pipeline);
      expect(metric.external.target.type).toBe('AverageValue');
    });

    it('stops at the partitions of the topics the pipeline reads, one task each: more workers would idle', async () => {
      const config = await loadConfig(join(DEPLOY, 'tributary.yaml'), { env: environmentOf(worker) });
      const pipeline = config.pipelines.find(
        (p) => p.name === metric.external.metric.selector.matchLabels.pipeline,
      )!;
      // Only a partitioned key_by runs a task per partition; otherwise one worker runs it all.
      const partitioned = pipeline.plan.nodes.some((n) => n.kind === 'keyBy' && n.partitioned === true);
      expect(partitioned, `${pipeline.name} has a partitioned key_by`).toBe(true);
      const partitions = pipeline.sources.map(
        (source) => config.log.topics[source]?.partitions ?? config.log.partitions,
      );
      expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(Math.max(...partitions));
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    });

    it("docs/deployment.md gives the Prometheus adapter rule that serves it, summed over the workers' series", () => {
      const [adapter] = yamlBlocksOf(DOCS, 'externalRules:');
      expect(adapter, `${DOCS} has a yaml block with externalRules:`).toBeDefined();
      const rules = (adapter.externalRules as any[]).filter(
        (r) => r.name?.as === metric.external.metric.name,
      );
      expect(rules).toHaveLength(1);
      const [rule] = rules;
      expect(rule.seriesQuery).toMatch(new RegExp(`^${metric.external.metric.name}\\{`));
      expect(rule.resources.overrides.namespace).toEqual({ resource: 'namespace' });
      // Workers only: an API node re-exports the lag of every partition (see the scrape configuration).
      expect(rule.metricsQuery).toContain('role="worker"');
      expect(rule.metricsQuery).toContain('<<.LabelMatchers>>');
    });
  });

  describe('the Prometheus scrape configuration of docs/deployment.md', () => {
    const jobs = yamlBlocksOf(DOCS, 'kubernetes_sd_configs:').flat();
    const job = jobs.find((j: any) => j.job_name === 'tributary');
    /** The labels Prometheus' pod discovery gives a container port of a pod of this Deployment. */
    const discovered = (deployment: any): Record<string, string> => {
      const labels: Record<string, string> = {
        __address__: '10.0.0.1:8080',
        __meta_kubernetes_namespace: kustomization.namespace,
        __meta_kubernetes_pod_name: `${deployment.metadata.name}-abc12`,
        __meta_kubernetes_pod_container_port_name: containerOf(deployment).ports[0].name,
      };
      for (const [key, value] of Object.entries(podLabels(deployment)))
        labels[`__meta_kubernetes_pod_label_${key.replace(/[^A-Za-z0-9_]/g, '_')}`] = value;
      return labels;
    };

    it('scrapes the workers and API nodes in the job the alert rules name, with a namespace and a role', () => {
      expect(read('docs/monitoring/prometheus-alerts.yml')).toContain('up{job="tributary"}');
      expect(job).toBeDefined();
      for (const [role, deployment] of [
        ['worker', worker],
        ['api', api],
      ] as const) {
        const target = relabel(job.relabel_configs, discovered(deployment));
        expect(target, `${deployment.metadata.name} is scraped`).toBeDefined();
        expect(target!.role).toBe(role);
        expect(target!.namespace).toBe(kustomization.namespace);
      }
      const other = { ...discovered(api), __meta_kubernetes_pod_label_app_kubernetes_io_name: 'postgres' };
      expect(relabel(job.relabel_configs, other), 'pods of other applications are not').toBeUndefined();
    });

    it("keeps the workers' pipeline series and drops the API nodes' re-export of them", () => {
      const series = (deployment: any) => ({
        ...relabel(job.relabel_configs, discovered(deployment))!,
        __name__: metricName,
        pipeline: 'clicks-per-user',
      });
      const metricName = one('HorizontalPodAutoscaler', 'tributary-worker').spec.metrics[0].external.metric
        .name;
      expect(relabel(job.metric_relabel_configs, series(worker))).toBeDefined();
      expect(relabel(job.metric_relabel_configs, series(api))).toBeUndefined();
    });

    it('passes promtool check config, with its pod discovery swapped for a static target', () => {
      // Debian's promtool is built without Kubernetes discovery: everything else is checked.
      expect(
        existsSync(PROMTOOL),
        `${PROMTOOL} is missing: run scripts/prepare-tests.sh (npm test does)`,
      ).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'tributary-k8s-prometheus-'));
      try {
        const { kubernetes_sd_configs: discovery, ...rest } = job;
        expect(discovery).toBeDefined();
        const key = join(dir, 'read-key');
        writeFileSync(key, 'REPLACE-ME-read-key-0000000000');
        const config = {
          scrape_configs: [
            {
              ...rest,
              authorization: { ...rest.authorization, credentials_file: key },
              static_configs: [{ targets: ['127.0.0.1:8080'] }],
            },
          ],
        };
        writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
        const result = spawnSync(PROMTOOL, ['check', 'config', join(dir, 'prometheus.yml')], {
          encoding: 'utf8',
        });
        expect(result.status, result.stdout + result.stderr).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("each Deployment's pods are covered by exactly one disruption budget", () => {
    const budgets = resources.filter((r) => r.kind === 'PodDisruptionBudget');
    for (const deployment of [worker, api]) {
      const covering = budgets.filter((b) => selects(b.spec.selector.matchLabels, podLabels(deployment)));
      expect(covering, deployment.metadata.name).toHaveLength(1);
    }
  });

  it('the Service sends to the API pods only, on their http port', () => {
    const service = one('Service', 'tributary-api');
    expect(selects(service.spec.selector, podLabels(api))).toBe(true);
    expect(selects(service.spec.selector, podLabels(worker))).toBe(false);
    const names = containerOf(api).ports.map((p: any) => p.name);
    for (const port of service.spec.ports) expect(names).toContain(port.targetPort);
  });
});
