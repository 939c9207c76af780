/**
 * The live dashboard in a real browser, against a real platform running the demo: the
 * numbers it shows are the platform's, its charts hold (bounded) data, a pipeline's graph
 * has every operator, a malformed event shows up as an inspectable dead letter, it
 * survives a server restart, and its heap stays flat while a person clicks around.
 * Screenshots of every view land in test-artifacts/e2e/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/start.js';
import {
  type Browser,
  chartSeries,
  type Demo,
  eventually,
  goTo,
  heapAfterGc,
  launchBrowser,
  liveCharts,
  missingPrerequisite,
  screenshot,
  startDemo,
  statValue,
} from './harness.js';

let demo: Demo;
let browser: Browser;

beforeAll(async () => {
  const missing = missingPrerequisite();
  if (missing) throw new Error(missing);
  demo = await startDemo();
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
}, 60_000);

const api = async (path: string) => (await fetch(`${demo.url}${path}`)).json() as Promise<any>;
const page = () => browser.page;
const connection = () => page().getAttribute('[data-testid="connection"]', 'data-state');

describe('the dashboard, served by tributary', () => {
  it('serves index.html at / and at deep links, while API paths keep their JSON 404', async () => {
    const root = await fetch(`${demo.url}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toContain('text/html');
    expect(await root.text()).toContain('<div id="app">');

    const deepLink = await fetch(`${demo.url}/pipelines/clicks-per-user`, {
      headers: { accept: 'text/html' },
    });
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain('<div id="app">');

    for (const [path, accept] of [
      ['/api/v1/no-such-route', 'text/html'],
      ['/no-such-page', 'application/json'],
      ['/missing-file.js', 'text/html'],
    ]) {
      const response = await fetch(`${demo.url}${path}`, { headers: { accept } });
      expect(response.status, path).toBe(404);
      const body = (await response.json()) as { error: { code: string } };
      expect(body.error.code, path).toBe('TRB_HTTP_NOT_FOUND');
    }
    expect((await api('/api/v1/stats')).activeSources).toBeGreaterThanOrEqual(0);
  });
});

describe('the dashboard in a browser', () => {
  it("shows the demo's measured numbers on the overview, and they change over time", async () => {
    await page().goto(demo.url);
    await eventually(
      async () => ((await connection()) === 'connected' ? true : undefined),
      'the live connection',
    );

    // The demo's five generators, all producing: the card shows what the API measures.
    await eventually(async () => {
      const shown = await statValue(page(), 'active-sources');
      return shown === 5 && (await api('/api/v1/stats')).activeSources === 5 ? shown : undefined;
    }, 'five active sources on the overview');
    const { streams } = (await api('/api/v1/streams')) as { streams: string[] };
    await expect
      .poll(() => page().textContent('[data-testid="stat-active-sources"]'), { timeout: 10_000 })
      .toContain(`of ${streams.length} configured`);

    // The demo generates about 5,000 events/s; the card shows what the platform measured
    // (the first second after start can hold only part of a second's events: wait past it).
    const first = await eventually(async () => {
      const shown = await statValue(page(), 'events-in');
      return shown !== undefined && shown > 500 ? shown : undefined;
    }, 'events in per second above 500');
    await eventually(async () => {
      const now = await statValue(page(), 'events-in');
      return now !== undefined && now !== first ? now : undefined;
    }, 'the events-in number to change');
    await eventually(
      async () => ((await statValue(page(), 'latency-p50')) ?? -1) >= 0 || undefined,
      'latency p50',
    );
    await eventually(
      async () => ((await statValue(page(), 'dead-letters')) ?? -1) >= 0 || undefined,
      'dead letters/min',
    );
    // The card says what dead letters are, and that the demo sends some on purpose.
    expect(await page().locator('[data-testid="stat-dead-letters"]').getAttribute('title')).toMatch(
      /could not be decoded or processed.*on purpose/,
    );
    await screenshot(page(), 'overview-first-seconds');
  }, 90_000);

  it('plots live data: the overview charts hold points, and gain more each second', async () => {
    const first = await eventually(async () => {
      const series = await chartSeries(page(), 'overview-throughput');
      return series && series[0].points >= 3 ? series : undefined;
    }, 'points on the throughput chart');
    expect(first.map((s) => s.name)).toEqual(['Events in/s', 'Events out/s']);
    expect(first[0].values.every((v) => typeof v === 'number' && v >= 0)).toBe(true);
    await eventually(async () => {
      const series = await chartSeries(page(), 'overview-throughput');
      return series && series[0].points > first[0].points ? true : undefined;
    }, 'the throughput chart to grow');

    const latency = await chartSeries(page(), 'overview-latency');
    expect(latency?.map((s) => s.name)).toEqual(['p50', 'p99']);
    expect(latency?.[0].points).toBeGreaterThan(0);

    const configured = (await api('/api/v1/pipelines')).pipelines.length;
    const pipelines = await eventually(async () => {
      const series = await chartSeries(page(), 'overview-pipelines');
      return series && series[0].points === configured ? series : undefined;
    }, 'one bar per pipeline');
    expect(pipelines[0].values.every((v) => typeof v === 'number')).toBe(true);

    // Reloaded, the page draws the last seconds at once from the server's history.
    const recorded = ((await api('/api/v1/stats/history')) as { samples: unknown[] }).samples.length;
    expect(recorded).toBeGreaterThan(5);
    await page().reload();
    const redrawn = await eventually(async () => {
      const series = await chartSeries(page(), 'overview-throughput');
      return series && series[0].points > 0 ? series : undefined;
    }, 'the throughput chart after a reload');
    expect(redrawn[0].points).toBeGreaterThanOrEqual(recorded);
  });

  it("draws a pipeline's operator graph with every operator, and its live results", async () => {
    await goTo(page(), 'Pipelines');
    await page().locator('[data-testid="pipelines-table"] tr[data-pipeline="clicks-per-user"]').click();
    await eventually(
      async () => (page().url().endsWith('/pipelines/clicks-per-user') ? true : undefined),
      'the URL',
    );
    const { operators } = await api('/api/v1/pipelines/clicks-per-user');
    const graph = await eventually(async () => {
      const series = await chartSeries(page(), 'pipeline-graph');
      return series && series[0].points > 0 ? series[0] : undefined;
    }, 'the operator graph');
    expect(graph.type).toBe('graph');
    expect([...graph.names].sort()).toEqual(operators.map((op: { id: string }) => op.id).sort());
    expect(graph.names).toEqual(
      expect.arrayContaining(['source:clicks', 'window#1', 'sink:clicks-per-user']),
    );

    const results = await eventually(
      async () => {
        const series = await chartSeries(page(), 'pipeline-results');
        return series && series.length > 0 && series[0].points > 0 ? series : undefined;
      },
      'the results chart (clicks per user, from the store)',
      45_000,
    );
    expect(results.length).toBeLessThanOrEqual(6);
    // Lag per source partition, as the API has it.
    const { partitions } = await api('/api/v1/pipelines/clicks-per-user');
    expect(partitions.length).toBeGreaterThan(0);
    const rows = page().locator('[data-testid="partition-lag"] tbody tr');
    await eventually(
      async () => ((await rows.count()) === partitions.length ? true : undefined),
      'the partitions table',
    );
    expect(await rows.first().getAttribute('data-partition')).toBe(
      `${partitions[0].topic}/${partitions[0].partition}`,
    );
    await screenshot(page(), 'pipeline-detail');
  }, 90_000);

  it('shows a malformed event POSTed over HTTP as a dead letter, with its error', async () => {
    const marker = `/e2e-dead-letter-${Date.now()}`;
    // A click without a user: the pipeline keys by user, so it cannot be processed.
    const response = await fetch(`${demo.url}/api/v1/streams/clicks/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ page: marker, ts: Date.now(), session: 'e2e', referrer: 'test', dwellMs: 1 }),
    });
    expect(response.status).toBe(202);

    await page().locator('[data-testid="tab-dead-letters"]').click();
    const row = page().locator('[data-testid="record-row"]', { hasText: marker });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('TRB_EXPRESSION_FAILED');
    expect(await row.textContent()).toContain('key_by "user": the record has no field "user"');

    await row.click();
    const detail = page().locator('[data-testid="record-detail"]');
    await detail.waitFor();
    const text = (await detail.textContent()) ?? '';
    expect(text).toContain(`"page": "${marker}"`);
    expect(text).toContain('the record has no field "user"');
    expect(text).toMatch(/topic clicks · partition \d+ · offset \d+/);
    await screenshot(page(), 'pipeline-dead-letter');
  }, 90_000);

  it('explores a stored series: series, field, range, step, aggregation, bar chart and live tail', async () => {
    await eventually(async () => {
      const { series } = await api('/api/v1/series');
      return series.some((s: { name: string }) => s.name === 'stock-averages') || undefined;
    }, 'the stock-averages series to be stored');
    await goTo(page(), 'Series explorer');
    const select = page().locator('[data-testid="series-select"]');
    await eventually(
      async () => ((await select.locator('option[value="stock-averages"]').count()) > 0 ? true : undefined),
      'stock-averages in the series list',
    );
    await select.selectOption('stock-averages');
    await page()
      .locator('[data-testid="field-select"] option[value="avg_price"]')
      .waitFor({ state: 'attached' });
    await page().locator('[data-testid="field-select"]').selectOption('avg_price');
    await page().locator('[data-testid="range-15m"]').click();
    await page().locator('[data-testid="step-select"]').selectOption('60000');
    await page().locator('[data-testid="agg-select"]').selectOption('max');
    await page().locator('[data-testid="chart-bar"]').click();

    // Every symbol once each has a result (the demo's first minute may lack one).
    const bars = await eventually(async () => {
      const series = await chartSeries(page(), 'explorer');
      return series && series.length === 8 && series.every((s) => s.type === 'bar' && s.points > 0)
        ? series
        : undefined;
    }, 'bars of the max price per minute, for each of the 8 symbols');
    // The demo's eight stock symbols, each a line of its own.
    expect(bars.map((s) => s.name).sort()).toEqual(
      ['AAPL', 'AMZN', 'GOOG', 'IBM', 'META', 'MSFT', 'NVDA', 'TSLA'].sort(),
    );
    const url = new URL(page().url());
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      name: 'stock-averages',
      field: 'avg_price',
      range: '15m',
      step: '60000',
      agg: 'max',
      chart: 'bar',
    });

    await page().locator('[data-testid="live-toggle"]').click();
    await eventually(
      async () =>
        (await page().evaluate(() => (globalThis as any).__tributaryLive.channels as string[])).includes(
          'series:stock-averages',
        ) || undefined,
      'the series:stock-averages subscription',
    );
    // Stock averages are stored every 10 s: the pill says when the last live batch came.
    await expect
      .poll(() => page().textContent('[data-testid="live-pill"]'), { timeout: 30_000 })
      .toMatch(/live · (just now|\d+ s ago)/);
    await screenshot(page(), 'series-explorer');
  }, 120_000);

  it('shows alerts, or a designed "not configured" state while GET /api/v1/alerts is 404', async () => {
    const status = (await fetch(`${demo.url}/api/v1/alerts`)).status;
    await goTo(page(), 'Alerts');
    if (status === 404) {
      const state = page().locator('[data-testid="alerts-not-configured"]');
      await state.waitFor();
      expect(await state.textContent()).toContain('Alerting is not configured');
    } else {
      // Alerting is configured: the panel lists what the API lists.
      await page().locator('[data-testid="alerts-panel"]').waitFor();
      const { alerts } = (await api('/api/v1/alerts')) as {
        alerts: { rule: string; state: string; fingerprint: string; inhibitedBy: string[] }[];
      };
      const active = alerts.find((a) => a.state !== 'resolved');
      if (active) {
        await expect
          .poll(() => page().textContent('[data-testid="alerts-panel"]'), { timeout: 10_000 })
          .toContain(active.rule);
      }
      // An alert a more severe one inhibits reads as inhibited, not as plain firing.
      const inhibited = alerts.find((a) => a.state === 'firing' && a.inhibitedBy.length > 0);
      if (inhibited) {
        const row = page().locator(
          `[data-testid="alerts-table"] tr[data-fingerprint="${inhibited.fingerprint}"]`,
        );
        await expect.poll(() => row.getAttribute('data-inhibited'), { timeout: 10_000 }).toBe('true');
        expect(await row.locator('[data-testid="alert-inhibited"]').textContent()).toContain('inhibited');
      }
    }
    // Leaving the page leaves its channel.
    await goTo(page(), 'Overview');
    await screenshot(page(), 'alerts-then-overview');
  });

  it('lists a firing brute-force alert with its history, and silences it from the dashboard', async () => {
    const ip = '198.51.100.99';
    const start = Date.now();
    // Six failed logins from one IP within a minute: the demo's brute-force rule fires.
    const response = await fetch(`${demo.url}/api/v1/streams/logins/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        Array.from({ length: 6 }, (_, i) => ({ ip, user: 'root', success: false, ts: start + i })),
      ),
    });
    expect(response.status).toBe(202);

    // Also when run on its own (-t): the dashboard may not be open yet.
    if (!page().url().startsWith(demo.url)) await page().goto(demo.url);
    await goTo(page(), 'Alerts');
    const row = page().locator(`[data-testid="alerts-table"] tr[data-key="${ip}"]`, {
      hasText: 'brute-force',
    });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('firing');
    expect(await row.textContent()).toContain(`key=${ip}`);
    expect(await row.getAttribute('data-silenced')).toBe('false');
    const fingerprint = (await row.getAttribute('data-fingerprint')) ?? '';
    expect(fingerprint).not.toBe('');

    // Its change of state is in the history.
    await page()
      .locator(`[data-testid="history-table"] tr[data-fingerprint="${fingerprint}"]`, { hasText: 'firing' })
      .first()
      .waitFor({ timeout: 30_000 });
    await screenshot(page(), 'alerts-firing');

    await row.locator('select').selectOption('15m');
    await row.locator('[data-testid="silence-button"]').click();
    await expect.poll(() => row.getAttribute('data-silenced'), { timeout: 15_000 }).toBe('true');
    expect(await row.locator('[data-testid="alert-silenced"]').textContent()).toContain('silenced');
    expect(await row.locator('[data-testid="silence-button"]').count()).toBe(0);

    // The API agrees: the alert is muted by a silence.
    const { alerts } = (await api('/api/v1/alerts?state=firing,pending')) as {
      alerts: { fingerprint: string; silencedBy: string[] }[];
    };
    expect(alerts.find((a) => a.fingerprint === fingerprint)?.silencedBy.length).toBeGreaterThan(0);
    await screenshot(page(), 'alerts-silenced');
    await goTo(page(), 'Overview');
  }, 90_000);

  it('switches between dark and light themes and remembers the choice', async () => {
    const theme = () => page().getAttribute('html', 'data-theme');
    expect(await theme()).toBe('dark');
    await page().locator('[data-testid="theme-toggle"]').click();
    expect(await theme()).toBe('light');
    await page().reload();
    expect(await theme()).toBe('light');
    await eventually(
      async () => ((await chartSeries(page(), 'overview-throughput'))?.[0].points ?? 0) > 2 || undefined,
      'charts',
    );
    await screenshot(page(), 'overview-light-1366x768');
    await page().locator('[data-testid="theme-toggle"]').click();
    expect(await theme()).toBe('dark');
  });

  it('asks for an API key when the server requires one, and runs live with it', async () => {
    const key = `e2e-${'k'.repeat(24)}`;
    const secured = await startServer(demo.platform, { port: 0, apiKeys: [{ key, scopes: ['read'] }] });
    const other = await browser.context.newPage();
    try {
      expect((await fetch(`${secured.url}/api/v1/stats`)).status).toBe(401);
      // The page itself carries no data: it loads without a key, then asks for one.
      await other.goto(secured.url);
      const input = other.locator('[data-testid="api-key-input"]');
      await input.waitFor({ timeout: 20_000 });
      await input.fill(key);
      await other.getByRole('button', { name: 'Use this key' }).click();
      await eventually(
        async () =>
          (await other.getAttribute('[data-testid="connection"]', 'data-state')) === 'connected'
            ? true
            : undefined,
        'the keyed live connection',
      );
      await eventually(
        async () => ((await statValue(other, 'events-in')) ?? 0) > 0 || undefined,
        'numbers with the key',
      );
      expect(await other.locator('[data-testid="api-key-input"]').count()).toBe(0);
    } finally {
      await other.close();
      await secured.close();
    }
  }, 90_000);

  it('keeps its JS heap flat while a person moves between views for a minute', async () => {
    const views = ['Pipelines', 'Series explorer', 'Alerts', 'Overview'];
    const visit = async (label: string) => {
      await goTo(page(), label);
      if (label === 'Pipelines') {
        await page().locator('[data-testid="pipelines-table"] tr[data-pipeline="top-pages"]').click();
        await page().locator('[data-testid="chart-pipeline-graph"]').waitFor();
      }
      await page().waitForTimeout(2000);
    };
    // A first round loads every view's code and fills the caches.
    for (const label of views) await visit(label);
    const before = await heapAfterGc(browser.context, page());

    const soakMs = 70_000;
    const started = Date.now();
    let rounds = 0;
    while (Date.now() - started < soakMs) {
      for (const label of views) await visit(label);
      rounds++;
    }
    await page().waitForTimeout(2000);
    const after = await heapAfterGc(browser.context, page());

    // Charts are disposed with their views, channels left with them.
    expect((await liveCharts(page())).sort()).toEqual([
      'overview-latency',
      'overview-pipelines',
      'overview-throughput',
    ]);
    const channels: string[] = await page().evaluate(() => (globalThis as any).__tributaryLive.channels);
    const { pipelines } = (await api('/api/v1/pipelines')) as { pipelines: { name: string }[] };
    expect(channels.sort()).toEqual(['stats', ...pipelines.map((p) => `pipeline:${p.name}`)].sort());
    // Generous: garbage-collected heaps wobble by a few MB; a leak of charts or
    // subscriptions per view visit grows by far more over these rounds.
    const growth = after - before;
    console.log(
      `heap after GC: ${(before / 1e6).toFixed(1)} MB → ${(after / 1e6).toFixed(1)} MB over ${rounds} rounds of ${views.length} views`,
    );
    expect(growth).toBeLessThan(Math.max(before * 0.5, 8e6));
    expect(browser.pageErrors).toEqual([]);
  }, 150_000);

  it('lays out every view at 1366×768 and 1920×1080 without horizontal overflow, and cuts no heading from 1024 to 1920 px', async () => {
    const views: [string, () => Promise<void>][] = [
      ['overview', () => goTo(page(), 'Overview')],
      ['pipelines', () => goTo(page(), 'Pipelines')],
      [
        'pipeline-detail',
        async () => {
          await goTo(page(), 'Pipelines');
          await page()
            .locator('[data-testid="pipelines-table"] tr[data-pipeline="sensor-temperatures"]')
            .click();
        },
      ],
      ['series', () => goTo(page(), 'Series explorer')],
      ['alerts', () => goTo(page(), 'Alerts')],
    ];
    for (const size of [
      { width: 1920, height: 1080 },
      { width: 1366, height: 768 },
    ]) {
      await page().setViewportSize(size);
      for (const [name, open] of views) {
        await open();
        await page().waitForTimeout(name === 'overview' ? 1500 : 3000);
        const overflow = await page().evaluate(
          () => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth,
        );
        expect(overflow, `${name} at ${size.width}×${size.height}`).toBeLessThanOrEqual(0);
        await screenshot(page(), `${name}-dark-${size.width}x${size.height}`);
      }
    }
    // At 900 px of height the overview's health table shows every pipeline, none cut off.
    await page().setViewportSize({ width: 1366, height: 900 });
    await goTo(page(), 'Overview');
    const table = page().locator('[data-testid="overview-pipelines-table"]');
    await table.waitFor();
    const cut = await table.evaluate((element) => {
      const box = (element.parentElement as any).getBoundingClientRect();
      const rows = [...(element as any).querySelectorAll('tbody tr')] as any[];
      return rows.filter((row) => row.getBoundingClientRect().bottom > box.bottom + 0.5).length;
    });
    expect(cut, 'rows of the health table cut off at 1366×900').toBe(0);

    // No heading or figure of a pipeline's page or the overview's cards is cut short, at any
    // common width (the pipeline page's ten figures share one row only where they fit).
    const cutText = () =>
      page().evaluate(() =>
        [
          ...(globalThis as any).document.querySelectorAll(
            '.kpi-label, .kpi-value, [data-testid^="stat-"] .label, [data-testid^="stat-"] .value, th',
          ),
        ]
          .filter((element: any) => element.scrollWidth > element.clientWidth + 1)
          .map((element: any) => element.textContent.trim()),
      );
    await goTo(page(), 'Pipelines');
    await page().locator('[data-testid="pipelines-table"] tr[data-pipeline="sensor-temperatures"]').click();
    await page().locator('[data-testid="kpi-watermark-lag"]').waitFor();
    for (const width of [1024, 1280, 1440, 1600, 1920]) {
      await page().setViewportSize({ width, height: 900 });
      await page().waitForTimeout(200);
      expect(await cutText(), `pipeline page at ${width} px`).toEqual([]);
    }
    await goTo(page(), 'Overview');
    for (const width of [1024, 1280, 1440, 1920]) {
      await page().setViewportSize({ width, height: 900 });
      await page().waitForTimeout(200);
      expect(await cutText(), `overview at ${width} px`).toEqual([]);
    }
    await page().setViewportSize({ width: 1366, height: 768 });
    await goTo(page(), 'Overview');
  }, 120_000);

  it('shows the connection going down and comes back with numbers flowing when the server restarts', async () => {
    expect(await connection()).toBe('connected');
    await demo.stopServer();
    await eventually(
      async () => {
        const state = await connection();
        return state === 'reconnecting' || state === 'offline' ? state : undefined;
      },
      'the page to notice the server is gone',
      15_000,
    );
    await eventually(
      async () => ((await connection()) === 'offline' ? true : undefined),
      'the offline state',
      20_000,
    );
    await page().locator('[data-testid="offline-banner"]').waitFor();
    await screenshot(page(), 'overview-offline');

    const uptimeBefore = await page().textContent('[data-testid="uptime"]');
    const pointsBefore = (await chartSeries(page(), 'overview-throughput'))?.[0].points ?? 0;
    await demo.restartServer();
    await eventually(
      async () => ((await connection()) === 'connected' ? true : undefined),
      'reconnection',
      30_000,
    );
    await eventually(
      async () => ((await page().textContent('[data-testid="uptime"]')) !== uptimeBefore ? true : undefined),
      'the uptime to move again',
    );
    await eventually(async () => {
      const points = (await chartSeries(page(), 'overview-throughput'))?.[0].points ?? 0;
      return points > pointsBefore + 2 ? true : undefined;
    }, 'new points on the throughput chart');
    expect(await page().locator('[data-testid="offline-banner"]').count()).toBe(0);
    expect(browser.pageErrors).toEqual([]);
  }, 90_000);
});
