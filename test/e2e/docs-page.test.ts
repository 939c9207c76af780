/**
 * The OpenAPI page at /docs in a real browser (Debian's Chromium): it shows every route, and
 * its Content-Security-Policy blocks nothing the page does (no console error) and sends
 * nothing to swagger.io or to https.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, testServer } from '../server/helpers.js';
import { type Browser, eventually, launchBrowser, missingPrerequisite } from './harness.js';

describe('the OpenAPI page', () => {
  let server: TestServer;
  let browser: Browser;
  let url = '';
  beforeAll(async () => {
    const missing = missingPrerequisite();
    if (missing) throw new Error(missing);
    server = await testServer();
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
  });

  it('shows every route without a console error or a request beyond this server', {
    timeout: 60_000,
  }, async () => {
    const { page } = browser;
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(url)) elsewhere.push(request.url());
    });
    const response = await page.goto(`${url}/docs`);
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("style-src 'self' 'unsafe-inline';");
    expect(policy).not.toMatch(/upgrade-insecure-requests|swagger\.io/);
    const spec = (await server.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, object> };
    const routes = Object.values(spec.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    await eventually(
      async () => ((await page.locator('.opblock').count()) === routes ? true : undefined),
      'the routes listed',
    );
    expect(problems).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    expect(elsewhere).toEqual([]);
  });
});
