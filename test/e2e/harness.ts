/**
 * What the browser tests stand on: a real platform running the demo configuration, its
 * HTTP server, and Debian's Chromium driven by playwright-core with a fresh profile.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { DEMO_CONFIG } from '../../src/cli/start.js';
import { loadConfig } from '../../src/config/index.js';
import { DEMO_GENERATOR_CATALOGUE } from '../../src/demo/generators/index.js';
import { platformOptions } from '../../src/runtime/from-config.js';
import { Platform } from '../../src/runtime/platform.js';
import { DEFAULT_DASHBOARD_ROOT } from '../../src/server/plugins/dashboard.js';
import { type RunningServer, startServer } from '../../src/server/start.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'e2e');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export const missingPrerequisite = (): string | undefined => {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing: run scripts/prepare-tests.sh (npm test does)`;
  if (!existsSync(join(DEFAULT_DASHBOARD_ROOT, 'index.html'))) {
    return `the dashboard is not built (${DEFAULT_DASHBOARD_ROOT}): run npm run build (npm test does)`;
  }
  return undefined;
};

export interface Demo {
  readonly platform: Platform;
  server: RunningServer;
  readonly url: string;
  readonly port: number;
  /** Stops the HTTP server only: the platform keeps running (to test reconnection). */
  stopServer(): Promise<void>;
  /** A new HTTP server on the same port, for the same platform. */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

/** The demo configuration, live, in a temporary data directory; HTTP on a free port. */
export const startDemo = async (): Promise<Demo> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-e2e-'));
  const config = await loadConfig(DEMO_CONFIG, {
    env: { ...process.env, TRIBUTARY_DATA_DIR: dataDir },
    generators: DEMO_GENERATOR_CATALOGUE,
  });
  const platform = new Platform({
    ...platformOptions(config, { generators: DEMO_GENERATOR_CATALOGUE }),
    onError: () => {},
  });
  await platform.start();
  const first = await startServer(platform, { port: 0 });
  let serverOpen = true;
  const demo: Demo = {
    platform,
    server: first,
    url: first.url,
    port: first.port,
    stopServer: async () => {
      serverOpen = false;
      await demo.server.close();
    },
    restartServer: async () => {
      demo.server = await startServer(platform, { port: first.port });
      serverOpen = true;
    },
    close: async () => {
      if (serverOpen) await demo.server.close();
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return demo;
};

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught exceptions in the page: a healthy dashboard has none. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh user-data dir (no remembered theme, no cache), one page. */
export const launchBrowser = async (viewport = { width: 1366, height: 768 }): Promise<Browser> => {
  const profile = await mkdtemp(join(tmpdir(), 'tributary-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    context,
    page,
    pageErrors,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
};

/** Polls `check` until it gives a value (not undefined), or fails naming `what`. */
export const eventually = async <T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

export const screenshot = async (page: Page, name: string): Promise<void> => {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
};

/** A stat card's number as shown: "4,995" → 4995, "5.1K" → 5100, "—" → undefined. */
export const statValue = async (page: Page, id: string): Promise<number | undefined> => {
  const text = (await page.locator(`[data-testid="stat-${id}"] [data-testid="value"]`).textContent()) ?? '';
  const match = /^(-?[\d,.]+)([KMB])?$/.exec(text.trim());
  if (!match) return undefined;
  const scale = { K: 1e3, M: 1e6, B: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1].replaceAll(',', '')) * scale;
};

export interface ChartSeries {
  readonly name: string;
  readonly type: string;
  readonly points: number;
  readonly values: (number | null)[];
  readonly names: string[];
}

/** A chart's series as ECharts holds them, read through the page's test hook. */
export const chartSeries = (page: Page, id: string): Promise<ChartSeries[] | null> =>
  page.evaluate((chartId) => {
    const charts = (globalThis as any).__tributaryCharts as Map<string, any> | undefined;
    const chart = charts?.get(chartId);
    if (!chart || chart.isDisposed()) return null;
    const option = chart.getOption();
    return (option.series as any[]).map((s) => {
      const data = (s.data ?? []) as any[];
      return {
        name: String(s.name ?? ''),
        type: String(s.type),
        points: data.length,
        values: data.map((d) => (Array.isArray(d) ? d[1] : typeof d === 'number' ? d : (d?.value ?? null))),
        names: data.map((d) => String(d?.name ?? '')),
      };
    });
  }, id);

/** Ids of the charts alive in the page. */
export const liveCharts = (page: Page): Promise<string[]> =>
  page.evaluate(() => [...(((globalThis as any).__tributaryCharts as Map<string, unknown>)?.keys() ?? [])]);

/** The JS heap in use after a full garbage collection, in bytes (Chrome DevTools Protocol). */
export const heapAfterGc = async (context: BrowserContext, page: Page): Promise<number> => {
  const cdp = await context.newCDPSession(page);
  try {
    for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize;
  } finally {
    await cdp.detach();
  }
};

/** Follows a link of the dashboard's own navigation (client-side routing, no reload). */
export const goTo = async (page: Page, label: string): Promise<void> => {
  await page.locator('nav a', { hasText: label }).click();
};
