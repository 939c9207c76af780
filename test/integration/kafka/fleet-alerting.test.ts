/**
 * Alerting in a deployment: two API nodes and a worker on this machine's Kafka, PostgreSQL
 * and Redis, one threshold rule, and a webhook receiver in the test. Exactly one API node
 * evaluates the rule; both answer the alert routes alike; a rule added through the other
 * one is the evaluating node's; when the evaluating node is SIGKILLed the other takes over
 * from the state in PostgreSQL — it notifies the next alert, and never the first one again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertView } from '../../../src/contract/index.js';
import { freePort } from '../../cli/helpers.js';
import { kafkaBrokers } from '../../kafka.js';
import { DATABASE_URL } from '../../store/backends.js';
import { checkAlive, type Proc, startNode, stopProc, tails } from './processes.js';

const T0 = 1_700_000_000_000;
const LEADING = /this API node evaluates the alert rules now/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Notification {
  readonly status: string;
  readonly alerts: readonly { readonly status: string; readonly labels: Record<string, string> }[];
}

describe('alerting across the API nodes of a deployment', () => {
  const procs: Proc[] = [];
  const hex = randomBytes(3).toString('hex');
  const schema = `fleet_alerts_${hex}`;
  const received: Notification[] = [];
  let hook: Server | undefined;
  let dir = '';
  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProc(p, 'SIGKILL')));
    hook?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => db.end());
  });

  it('evaluates each rule on one node, notifies once, and fails over without notifying again', {
    timeout: 300_000,
  }, async () => {
    const hookPort = await freePort();
    hook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push(JSON.parse(body) as Notification);
        response.end();
      });
    }).listen(hookPort, '127.0.0.1');
    /** Firing notifications that name this sensor. */
    const firing = (sensor: string) =>
      received.filter((n) => n.alerts.some((a) => a.status === 'firing' && a.labels.key === sensor)).length;

    dir = await mkdtemp(join(tmpdir(), 'tributary-fleet-alerts-'));
    const stream = `fleet_readings_${hex}`;
    const series = `temps-${hex}`;
    const config = join(dir, 'tributary.yaml');
    await writeFile(
      config,
      `
kafka: { brokers: "${kafkaBrokers()}" }
log: { type: kafka, partitions: 1 }
store: { type: postgres, url: "\${DATABASE_URL}", schema: ${schema} }
redis: { url: "redis://127.0.0.1:6379", prefix: fleet-alerts-${hex} }
checkpoint: { interval: 1s }
workers: 1
sources:
  ${stream}: { type: http }
pipelines:
  - name: temps-${hex}
    source: ${stream}
    time: ts
    steps:
      - key_by: sensor
      - window: { tumbling: 1s }
        aggregate: { temp: { max: temp } }
    sink: ${series}
alerts:
  evaluation_interval: 500ms
  rules:
    - name: hot
      type: threshold
      series: ${series}
      field: temp
      threshold: 80
  route: { receiver: hook, group_by: [key], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
  receivers:
    - name: hook
      webhook_configs: [{ url: "http://127.0.0.1:${hookPort}/alerts" }]
`,
    );
    const start = (name: string, command: 'api' | 'worker') =>
      startNode(procs, { name, command, config, dir }, { DATABASE_URL });
    const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        checkAlive(procs);
        if (await check()) return;
        await sleep(250);
      }
      throw new Error(`timed out waiting for ${what}; the processes said:\n${tails(procs)}`);
    };
    const ok = (url: string) =>
      fetch(url).then(
        (r) => r.ok,
        () => false,
      );
    const getJson = async <T>(url: string): Promise<T> => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const firingKeys = async (url: string) =>
      (await getJson<{ alerts: AlertView[] }>(`${url}/api/v1/alerts?state=firing`)).alerts
        .map((a) => a.labels.key)
        .sort();

    const nodes = [await start('api-a', 'api'), await start('api-b', 'api')];
    const worker = await start('worker', 'worker');
    for (const n of [...nodes, worker]) await until(`${n.proc.name} ready`, () => ok(`${n.url}/readyz`));
    await until('an API node evaluating the rules', () => nodes.some((n) => LEADING.test(n.proc.output)));
    expect(
      nodes.filter((n) => LEADING.test(n.proc.output)),
      'one node evaluates the rules',
    ).toHaveLength(1);
    const leader = nodes.find((n) => LEADING.test(n.proc.output))!;
    const other = nodes.find((n) => n !== leader)!;

    // Readings posted to the node that does not evaluate; a later one closes their windows.
    let t = T0;
    const post = async (readings: { sensor: string; temp: number }[]) => {
      const response = await fetch(`${other.url}/api/v1/streams/${stream}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          ...readings.map((r) => ({ ...r, ts: t })),
          { sensor: 'tick', temp: 0, ts: t + 2_000 },
        ]),
      });
      expect(response.status).toBe(202);
      t += 3_000;
    };
    await post([
      { sensor: 's1', temp: 95 },
      { sensor: 's0', temp: 20 },
    ]);
    await until('the alert of s1 notified', () => firing('s1') > 0);
    await until('both nodes listing it', async () =>
      (await Promise.all(nodes.map((n) => firingKeys(n.url)))).every((keys) => keys.join() === 's1'),
    );
    const [fromLeader, fromOther] = await Promise.all(
      nodes.map((n) => getJson<{ alerts: AlertView[] }>(`${n.url}/api/v1/alerts`)),
    );
    expect(fromOther).toEqual(fromLeader);

    // A rule added through the other node is the evaluating node's.
    const put = await fetch(`${other.url}/api/v1/alerts/rules/scorching`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'threshold', series, field: 'temp', threshold: 200 }),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const rules = await getJson<{ rules: { name: string }[] }>(`${leader.url}/api/v1/alerts/rules`);
    expect(rules.rules.map((r) => r.name).sort()).toEqual(['hot', 'scorching']);
    // Errors come back as the evaluating node gave them.
    const missing = await fetch(`${other.url}/api/v1/alerts/rules/none`, { method: 'DELETE' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('TRB_ALERT_NOT_FOUND');

    // The evaluating node dies; the other takes over from PostgreSQL.
    await stopProc(leader.proc, 'SIGKILL');
    await until('the other node evaluating the rules', () => LEADING.test(other.proc.output), 30_000);
    await post([{ sensor: 's2', temp: 90 }]);
    await until('the alert of s2 notified', () => firing('s2') > 0);
    let keys: string[] = [];
    await until('s1 and s2 firing', async () => {
      keys = await firingKeys(other.url);
      return keys.join() === 's1,s2';
    }).catch((error) => {
      throw new Error(`firing: ${keys.join()}; ${JSON.stringify(received)}\n${(error as Error).message}`);
    });
    // A few group intervals more: nothing is told twice.
    await sleep(3_000);
    expect({ s1: firing('s1'), s2: firing('s2') }).toEqual({ s1: 1, s2: 1 });
    // The rule added through the API outlived the node that held it.
    const after = await getJson<{ rules: { name: string }[] }>(`${other.url}/api/v1/alerts/rules`);
    expect(after.rules.map((r) => r.name).sort()).toEqual(['hot', 'scorching']);
  });
});
