/**
 * A real Prometheus server scrapes `/metrics` and answers a query for one of the
 * platform's metrics: the exposition is what Prometheus actually accepts, not just text
 * that looks like it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { count, pipeline, tumbling } from '../../src/engine/index.js';
import { Platform } from '../../src/runtime/platform.js';
import { type RunningServer, startServer } from '../../src/server/start.js';

const PROMETHEUS = '/usr/bin/prometheus';
const MONITORING = fileURLToPath(new URL('../../docs/monitoring/', import.meta.url));

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('Prometheus scraping /metrics', () => {
  let dir: string;
  let platform: Platform | undefined;
  let server: RunningServer | undefined;
  let prometheus: ChildProcess | undefined;

  afterAll(async () => {
    prometheus?.kill('SIGKILL');
    await server?.close();
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads the ingested-events counter back through its query API', { timeout: 90_000 }, async () => {
    expect(
      existsSync(PROMETHEUS),
      `${PROMETHEUS} is missing: run scripts/prepare-tests.sh (npm test does)`,
    ).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'tributary-prometheus-'));
    platform = new Platform({
      dataDir: join(dir, 'data'),
      store: { type: 'embedded' },
      sources: { clicks: { type: 'http' } },
      pipelines: [
        pipeline('clicks-per-user')
          .source<{ user: string }>('clicks')
          .keyBy((c) => c.user)
          .window(tumbling('10s'))
          .aggregate({ clicks: count() })
          .sink('clicks-per-user')
          .build(),
      ],
      onError: () => {},
    });
    await platform.start();
    server = await startServer(platform, { port: 0 });
    await platform.ingest(
      'clicks',
      Array.from({ length: 42 }, (_, i) => ({ value: { user: `u${i % 3}` } })),
    );

    const promPort = await freePort();
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: tributary',
        `    static_configs: [{ targets: ['127.0.0.1:${server.port}'] }]`,
        '',
      ].join('\n'),
    );
    let log = '';
    prometheus = spawn(PROMETHEUS, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    prometheus.stderr!.on('data', (chunk) => {
      log += chunk;
    });

    const query = `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('tributary_events_ingested_total{source="clicks"}')}`;
    let value: string | undefined;
    for (let attempt = 0; attempt < 120 && value === undefined; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const body = (await fetch(query)
        .then((r) => r.json())
        .catch(() => undefined)) as { data?: { result?: { value: [number, string] }[] } } | undefined;
      value = body?.data?.result?.[0]?.value[1];
    }
    expect(value, `Prometheus never had the metric; its log:\n${log.slice(-2000)}`).toBe('42');

    const targets = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    expect(targets.data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([['up', '']]);
  });

  // The Grafana dashboard and the alerting rules in docs/monitoring must name metrics that exist.
  it('backs every metric the monitoring docs use, and the rules pass promtool', async () => {
    const metrics = await (await fetch(`${server!.url}/metrics`)).text();
    const exposed = new Set(
      metrics
        .split('\n')
        .filter((l) => l.startsWith('# TYPE '))
        .map((l) => l.split(' ')[2]),
    );
    const docs = await Promise.all(
      ['grafana-dashboard.json', 'prometheus-alerts.yml'].map((f) => readFile(join(MONITORING, f), 'utf8')),
    );
    const used = new Set(
      docs.flatMap((text) => [...text.matchAll(/\b(tributary_[a-z0-9_]+)/g)].map((m) => m[1])),
    );
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(exposed.has(name) || exposed.has(base), `${name} is not exposed on /metrics`).toBe(true);
    }
    const check = spawnSync(
      '/usr/bin/promtool',
      ['check', 'rules', join(MONITORING, 'prometheus-alerts.yml')],
      { encoding: 'utf8' },
    );
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });
});
