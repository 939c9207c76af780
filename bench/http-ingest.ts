/**
 * Durable HTTP ingest: NDJSON batches POSTed to /api/v1/streams/:stream/events, each
 * appended to the embedded log before the 202. Load comes from a second process
 * (autocannon). Baseline, in the same run: a bare node:http server that reads the same
 * bodies and answers 202 without parsing or storing anything — the ceiling of HTTP itself
 * on this machine. Up to three runs of each; one in a smoke run (CI's `BENCH_SCALE=0.02`,
 * smoke.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Platform } from '../src/runtime/platform.js';
import { startServer } from '../src/server/start.js';
import { info, median, REPS, report, round, SCALE } from './harness.js';
import { repetitions } from './smoke.js';

const EVENTS_PER_REQUEST = 1_000;
const SECONDS = Math.max(2, Math.round(8 * SCALE));
const CONNECTIONS = 8;
const TARGET = 200_000;

interface Load {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
}

const load = (url: string, bodyFile: string): Promise<Load> =>
  new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('./http-load.js', import.meta.url));
    const child = spawn(process.execPath, [script, url, bodyFile, String(SECONDS), String(CONNECTIONS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited with ${code}`)),
    );
  });

const eventsPerSecond = (result: Load) =>
  (result.requests - result.non2xx) * (EVENTS_PER_REQUEST / result.seconds);

const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-ingest-'));
const bodyFile = join(dir, 'body.ndjson');
const now = Date.now();
const lines: string[] = [];
for (let i = 0; i < EVENTS_PER_REQUEST; i++) {
  lines.push(
    JSON.stringify({
      user: `user-${i % 97}`,
      page: `/product/${i % 13}`,
      ts: now + i,
      referrer: 'search',
      dwellMs: 1200 + i,
    }),
  );
}
const body = `${lines.join('\n')}\n`;
await writeFile(bodyFile, body);

// The baseline: HTTP with nothing behind it.
const bare = createServer((request, response) => {
  request.on('data', () => {});
  request.on('end', () => {
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end('{"accepted":1000}');
  });
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

const platform = new Platform({
  dataDir: join(dir, 'data'),
  store: { type: 'embedded' },
  sources: { clicks: { type: 'http' } },
  pipelines: [],
});
await platform.start();
const server = await startServer(platform, { port: 0 });
const ingestUrl = `${server.url}/api/v1/streams/clicks/events`;

info(
  `http-ingest: ${SECONDS} s per run, ${CONNECTIONS} connections, ${EVENTS_PER_REQUEST} events (${body.length} bytes) per request`,
);
const bareRates: number[] = [];
const ingestRates: number[] = [];
let failures = 0;
const reps = repetitions(Math.max(1, Math.min(REPS, 3)));
for (let r = 1; r <= reps; r++) {
  const b = await load(bareUrl, bodyFile);
  bareRates.push(eventsPerSecond(b));
  const t = await load(ingestUrl, bodyFile);
  ingestRates.push(eventsPerSecond(t));
  failures += t.non2xx + t.errors;
  info(
    `  run ${r}: bare ${round(bareRates.at(-1)!)} events/s, ingest ${round(ingestRates.at(-1)!)} events/s (${t.non2xx} non-2xx)`,
  );
}
await server.close();
await platform.stop();
bare.close();
await rm(dir, { recursive: true, force: true });

const ingest = median(ingestRates);
const baseline = median(bareRates);
report({
  benchmark: 'http-ingest',
  eventsPerRequest: EVENTS_PER_REQUEST,
  connections: CONNECTIONS,
  seconds: SECONDS,
  ingestEventsPerSec: round(ingest),
  bareHttpEventsPerSec: round(baseline),
  ratio: round(ingest / baseline, 3),
  failedRequests: failures,
  target: TARGET,
  targetOf: 'ingestEventsPerSec',
  pass: ingest >= TARGET && failures === 0,
});
