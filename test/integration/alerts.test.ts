/**
 * The demo's failed-login stream, alerting for real: an attack POSTed over HTTP fires the
 * critical `brute-force` alert, which reaches a webhook receiver and an SMTP server within
 * 2 s of the triggering event, shows on /api/v1/alerts, and resolves — with a resolved
 * notice — once the attack stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertingDocument } from '../../src/alerts/schema.js';
import { DEMO_CONFIG } from '../../src/cli/start.js';
import { loadConfig } from '../../src/config/index.js';
import { DEMO_GENERATOR_CATALOGUE } from '../../src/demo/generators/index.js';
import { platformOptions } from '../../src/runtime/from-config.js';
import { Platform } from '../../src/runtime/platform.js';
import { type RunningServer, startServer } from '../../src/server/start.js';

const ATTACKER = '198.51.100.77';

interface Hook {
  at: number;
  body: { status: string; alerts: { status: string; labels: Record<string, string> }[] };
}
interface Mail {
  at: number;
  data: string;
}

let dataDir: string;
let platform: Platform;
let server: RunningServer;
let webhook: Server;
let smtp: SMTPServer;
const hooks: Hook[] = [];
const mails: Mail[] = [];

beforeAll(async () => {
  webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      hooks.push({ at: Date.now(), body: JSON.parse(body) });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        data += chunk;
      });
      stream.on('end', () => {
        mails.push({ at: Date.now(), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));

  dataDir = await mkdtemp(join(tmpdir(), 'tributary-alerts-'));
  const config = await loadConfig(DEMO_CONFIG, {
    env: { ...process.env, TRIBUTARY_DATA_DIR: dataDir },
    generators: DEMO_GENERATOR_CATALOGUE,
  });
  // The demo's rules, with a receiver for each channel, a route that groups per IP, and a
  // short resolve_after so that the test sees the resolution.
  const alerts: AlertingDocument = {
    ...config.alerts,
    rules: (config.alerts?.rules ?? []).map((rule) =>
      rule.name === 'brute-force' ? { ...rule, resolve_after: '3s' } : rule,
    ),
    route: {
      receiver: 'ops',
      group_by: ['alertname', 'key'],
      group_wait: '0s',
      group_interval: '1s',
      repeat_interval: '1h',
    },
    receivers: [
      {
        name: 'ops',
        webhook_configs: [{ url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook` }],
        email_configs: [
          {
            to: ['oncall@example.com'],
            from: 'tributary@example.com',
            smarthost: `127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
            require_tls: false,
          },
        ],
      },
    ],
  } as AlertingDocument;
  platform = new Platform({
    ...platformOptions(config, { generators: DEMO_GENERATOR_CATALOGUE }),
    alerts,
    onError: () => {},
  });
  await platform.start();
  server = await startServer(platform, { port: 0 });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await platform?.stop();
  await new Promise<void>((resolve) => webhook.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await rm(dataDir, { recursive: true, force: true });
});

const until = async <T>(check: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const ours = (hook: Hook, status: string) =>
  hook.body.alerts.some((a) => a.labels.key === ATTACKER && a.status === status) ? hook : undefined;

describe("the demo's brute-force alert", () => {
  it('notifies by webhook and e-mail within 2 s of the triggering event, then resolves', {
    timeout: 90_000,
  }, async () => {
    const failures = Array.from({ length: 6 }, (_, i) => ({
      ip: ATTACKER,
      user: 'root',
      success: false,
      ts: Date.now() + i,
    }));
    // Five failures: not yet an attack.
    await fetch(`${server.url}/api/v1/streams/logins/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(failures.slice(0, 5)),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hooks.filter((h) => ours(h, 'firing'))).toEqual([]);

    // The sixth is the triggering event.
    const triggeredAt = Date.now();
    const response = await fetch(`${server.url}/api/v1/streams/logins/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(failures[5]),
    });
    expect(response.status).toBe(202);

    const hook = await until(() => hooks.find((h) => ours(h, 'firing')), 'the webhook');
    const mail = await until(
      () => mails.find((m) => m.data.includes(ATTACKER) && /FIRING/.test(m.data)),
      'the e-mail',
    );
    expect(hook.at - triggeredAt).toBeLessThanOrEqual(2_000);
    expect(mail.at - triggeredAt).toBeLessThanOrEqual(2_000);
    expect(hook.body.alerts.find((a) => a.labels.key === ATTACKER)?.labels).toMatchObject({
      alertname: 'brute-force',
      severity: 'critical',
    });
    expect(mail.data).toMatch(/critical/);

    const listed = (await (await fetch(`${server.url}/api/v1/alerts?state=firing`)).json()) as {
      alerts: { rule: string; labels: Record<string, string> }[];
    };
    expect(listed.alerts.some((a) => a.rule === 'brute-force' && a.labels.key === ATTACKER)).toBe(true);

    // The attack stopped: the alert resolves and a resolved notice follows.
    await until(() => hooks.find((h) => ours(h, 'resolved')), 'the resolved notice', 30_000);
    await until(
      () => mails.find((m) => m.data.includes(ATTACKER) && /RESOLVED/.test(m.data)),
      'the resolved e-mail',
      30_000,
    );
  });
});
