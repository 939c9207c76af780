import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertEngine, type AlertingDocument, type RuleDocument } from '../../src/alerts/index.js';
import { fastSleep, HttpReceiver, ManualClock, obs } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1, 12);
const cpu: RuleDocument = {
  name: 'cpu-high',
  type: 'threshold',
  series: 'host',
  field: 'cpu',
  threshold: 80,
  annotations: { summary: 'CPU of {{ key }} at {{ value }}% <over {{ threshold }}>' },
};

/** An engine whose only receiver is `receiver`; `fire` makes one critical alert and waits for delivery. */
const engineWith = async (receiver: Omit<NonNullable<AlertingDocument['receivers']>[number], 'name'>) => {
  const clock = new ManualClock(T0);
  const registry = new Registry();
  const logged: { details: object; message: string }[] = [];
  const note = (details: object, message: string) => logged.push({ details, message });
  const engine = await AlertEngine.open({
    clock,
    registry,
    logger: { info: note, warn: note, error: note },
    sleep: fastSleep,
    config: {
      rules: [cpu],
      receivers: [{ name: 'ops', ...receiver }],
      route: { receiver: 'ops', group_wait: 0, group_interval: '1m' },
      external_url: 'http://tributary.example',
    },
  });
  const fire = async (value = 130) => {
    engine.observe([obs('host', 'web-1', value, T0, 'cpu')]);
    engine.tick();
    await engine.settled();
  };
  const metric = async (name: string) => {
    const lines = (await registry.metrics()).split('\n').filter((l) => l.startsWith(name));
    return lines.join('\n');
  };
  return { clock, engine, fire, metric, logged };
};

const fast = { retry: { attempts: 3, backoff: '10ms' }, timeout: '500ms' };

describe('webhook notifier', () => {
  let hook: HttpReceiver;
  beforeEach(async () => {
    hook = await HttpReceiver.start();
  });
  afterEach(async () => {
    await hook.stop();
  });

  it("posts Alertmanager's webhook JSON, with the rendered title and text", async () => {
    const { fire, engine } = await engineWith({
      webhook_configs: [{ url: `${hook.url}/hook`, headers: { authorization: 'Bearer t0k3n' }, ...fast }],
    });
    await fire();
    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request.url).toBe('/hook');
    expect(request.headers.authorization).toBe('Bearer t0k3n');
    expect(request.headers['content-type']).toBe('application/json');
    const fp = engine.alerts({ muted: false })[0].fingerprint;
    expect(request.body).toEqual({
      version: '4',
      groupKey: 'root:[["alertname","cpu-high"]]',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'ops',
      groupLabels: { alertname: 'cpu-high' },
      commonLabels: {
        alertname: 'cpu-high',
        field: 'cpu',
        key: 'web-1',
        series: 'host',
        severity: 'critical',
      },
      commonAnnotations: { summary: 'CPU of web-1 at 130% <over 120>' },
      externalURL: 'http://tributary.example',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'cpu-high', field: 'cpu', key: 'web-1', series: 'host', severity: 'critical' },
          annotations: { summary: 'CPU of web-1 at 130% <over 120>' },
          startsAt: new Date(T0).toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: `http://tributary.example/api/v1/alerts?fingerprint=${fp}`,
          fingerprint: fp,
          value: 130,
          threshold: 120,
        },
      ],
      title: '[FIRING:1] cpu-high (critical)',
      text: '- [CRITICAL] CPU of web-1 at 130% <over 120> (since 2025-01-01T12:00:00.000Z)\n',
    });
  });

  it('retries with backoff until the receiver answers, and counts the retries', async () => {
    hook.script({ status: 503 }, { status: 500, body: 'busy' });
    const { fire, engine, metric } = await engineWith({ webhook_configs: [{ url: hook.url, ...fast }] });
    await fire();
    expect(hook.requests).toHaveLength(3);
    expect(await metric('tributary_alert_notifications_total')).toBe(
      'tributary_alert_notifications_total{receiver="ops",integration="webhook"} 1',
    );
    expect(await metric('tributary_alert_notification_retries_total')).toBe(
      'tributary_alert_notification_retries_total{receiver="ops",integration="webhook"} 2',
    );
    expect(await engine.notifications()).toMatchObject([
      { receiver: 'ops', integration: 'webhook', ok: true, attempts: 3 },
    ]);
  });

  it('gives up after the attempts, counts the failure, keeps alerting, and tells again at the next flush', async () => {
    hook.script({ status: 503 }, { status: 503 }, { status: 503 });
    const { fire, engine, metric, clock } = await engineWith({
      webhook_configs: [{ url: hook.url, ...fast }],
    });
    await fire();
    expect(hook.requests).toHaveLength(3);
    expect(await metric('tributary_alert_notifications_failed_total')).toBe(
      'tributary_alert_notifications_failed_total{receiver="ops",integration="webhook"} 1',
    );
    const [failure] = await engine.notifications();
    expect(failure).toMatchObject({ ok: false, attempts: 3, error: expect.stringContaining('answered 503') });
    expect(engine.alerts({ state: 'firing' })).toHaveLength(3);

    clock.advance('1m');
    engine.tick();
    await engine.settled();
    expect(hook.requests).toHaveLength(4);
    expect((await engine.notifications())[0]).toMatchObject({ ok: true, attempts: 1 });
  });

  it('cuts an attempt off at the timeout', async () => {
    hook.script({ status: 200, delayMs: 2_000 }, { status: 200, delayMs: 2_000 });
    const { fire, engine } = await engineWith({
      webhook_configs: [{ url: hook.url, timeout: '100ms', retry: { attempts: 2, backoff: '10ms' } }],
    });
    const started = Date.now();
    await fire();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect((await engine.notifications())[0]).toMatchObject({
      ok: false,
      attempts: 2,
      error: expect.stringMatching(/timed out after 100 ms/),
    });
  });

  it('does not retry a 4xx answer: the receiver refuses the request itself', async () => {
    hook.script({ status: 400, body: 'bad payload' });
    const { fire, engine } = await engineWith({ webhook_configs: [{ url: hook.url, ...fast }] });
    await fire();
    expect(hook.requests).toHaveLength(1);
    expect((await engine.notifications())[0]).toMatchObject({
      ok: false,
      attempts: 1,
      error: expect.stringContaining('400: bad payload'),
    });
  });

  it('survives a receiver that is not there at all', async () => {
    await hook.stop();
    const { fire, engine, metric } = await engineWith({
      webhook_configs: [{ url: `${hook.url}/gone?token=secret`, ...fast }],
    });
    await fire();
    const [failure] = await engine.notifications();
    expect(failure.ok).toBe(false);
    expect(failure.error).not.toContain('secret');
    expect(await metric('tributary_alert_notifications_failed_total')).toContain(' 1');
    hook = await HttpReceiver.start(); // for afterEach
  });
});

describe('chat notifiers', () => {
  let hook: HttpReceiver;
  beforeEach(async () => {
    hook = await HttpReceiver.start();
  });
  afterEach(async () => {
    await hook.stop();
  });

  it('Slack: an incoming-webhook message with a colored attachment, values escaped', async () => {
    const { fire } = await engineWith({
      slack_configs: [{ url: `${hook.url}/services/T/B/X`, channel: '#ops', username: 'tributary', ...fast }],
    });
    await fire();
    expect(hook.requests[0].url).toBe('/services/T/B/X');
    expect(hook.requests[0].body).toEqual({
      channel: '#ops',
      username: 'tributary',
      text: '[FIRING:1] cpu-high (critical)',
      attachments: [
        {
          color: 'danger',
          title: '[FIRING:1] cpu-high (critical)',
          text: '- [CRITICAL] CPU of web-1 at 130% &lt;over 120&gt; (since 2025-01-01T12:00:00.000Z)\n',
          fallback:
            '[FIRING:1] cpu-high (critical)\n- [CRITICAL] CPU of web-1 at 130% &lt;over 120&gt; (since 2025-01-01T12:00:00.000Z)\n',
          mrkdwn_in: ['text'],
        },
      ],
    });
  });

  it('Slack: a resolved notice is green', async () => {
    const { fire, clock, engine } = await engineWith({ slack_configs: [{ url: hook.url, ...fast }] });
    await fire(85);
    clock.advance('1m');
    engine.observe([obs('host', 'web-1', 10, T0 + 60_000, 'cpu')]);
    engine.tick();
    await engine.settled();
    expect(hook.bodies<{ attachments: { color: string }[] }>().map((b) => b.attachments[0].color)).toEqual([
      'warning',
      'good',
    ]);
  });

  it('DingTalk: a markdown message, signed with the robot secret, mentioning phones', async () => {
    hook.script({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
    const { fire } = await engineWith({
      dingtalk_configs: [
        {
          url: `${hook.url}/robot/send?access_token=abc`,
          secret: 'SEC000',
          at_mobiles: ['13800000000'],
          title: '{{ commonLabels.alertname }} 告警',
          ...fast,
        },
      ],
    });
    await fire();
    const { url, body } = hook.requests[0];
    const query = new URL(url, hook.url).searchParams;
    expect(query.get('access_token')).toBe('abc');
    const timestamp = query.get('timestamp')!;
    expect(query.get('sign')).toBe(
      createHmac('sha256', 'SEC000').update(`${timestamp}\nSEC000`).digest('base64'),
    );
    expect(body).toEqual({
      msgtype: 'markdown',
      markdown: {
        title: 'cpu-high 告警',
        text: '### cpu-high 告警\n\n- [CRITICAL] CPU of web-1 at 130% <over 120> (since 2025-01-01T12:00:00.000Z)\n\n\n@13800000000',
      },
      at: { atMobiles: ['13800000000'], isAtAll: false },
    });
  });

  it('DingTalk: reads the outcome from errcode; a rate limit is retried, a refusal is not', async () => {
    hook.script(
      { status: 200, body: '{"errcode":130101,"errmsg":"send too fast"}' },
      { status: 200, body: '{"errcode":310000,"errmsg":"keywords not in content"}' },
    );
    const { fire, engine } = await engineWith({ dingtalk_configs: [{ url: hook.url, ...fast }] });
    await fire();
    expect(hook.requests).toHaveLength(2);
    expect((await engine.notifications())[0]).toMatchObject({
      ok: false,
      attempts: 2,
      error: expect.stringContaining('errcode 310000'),
    });
  });
});

describe('e-mail notifier', () => {
  interface Received {
    from: string;
    to: string[];
    data: string;
  }
  let server: SMTPServer;
  let port: number;
  let received: Received[];
  let refuse: boolean;

  beforeEach(async () => {
    received = [];
    refuse = false;
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        if (refuse) {
          const error = new Error('mailbox unavailable') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData(stream, session, callback) {
        let data = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          data += chunk;
        });
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers over SMTP: subject, plain text and HTML from the templates', async () => {
    const { fire, metric } = await engineWith({
      email_configs: [
        {
          to: ['oncall@example.com', 'lead@example.com'],
          from: 'tributary@example.com',
          smarthost: `127.0.0.1:${port}`,
          ...fast,
        },
      ],
    });
    await fire();
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail.from).toBe('tributary@example.com');
    expect(mail.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(mail.data).toMatch(/^Subject: \[FIRING:1\] cpu-high \(critical\)\r?$/m);
    expect(mail.data).toContain('X-Tributary-Group: ');
    expect(mail.data).toContain('CPU of web-1 at 130% <over 120>'); // text part
    expect(mail.data).toContain('CPU of web-1 at 130% &#60;over 120&#62;'); // HTML part, escaped
    expect(await metric('tributary_alert_notifications_total')).toContain('integration="email"} 1');
  });

  it('a recipient the server refuses (5xx) fails at once and is counted', async () => {
    refuse = true;
    const { fire, engine, metric } = await engineWith({
      email_configs: [
        { to: 'nobody@example.com', from: 'tributary@example.com', smarthost: `127.0.0.1:${port}`, ...fast },
      ],
    });
    await fire();
    expect(received).toEqual([]);
    expect((await engine.notifications())[0]).toMatchObject({
      ok: false,
      attempts: 1,
      error: expect.stringContaining('mailbox unavailable'),
    });
    expect(await metric('tributary_alert_notifications_failed_total')).toContain('integration="email"} 1');
  });

  it('refuses a smarthost that is not host:port', async () => {
    await expect(
      AlertEngine.open({
        config: {
          receivers: [
            { name: 'ops', email_configs: [{ to: 'a@b.c', from: 'x@y.z', smarthost: 'mail.example.com' }] },
          ],
        },
      }),
    ).rejects.toThrow(/email_configs\[0\]\.smarthost: "mail.example.com" is not host:port/);
  });
});
