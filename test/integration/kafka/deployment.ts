/**
 * What the deployment tests share: the configuration file every process of a deployment
 * reads, the clicks they post and their reference, and the HTTP calls a client makes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SeriesPoint } from '../../../src/contract/index.js';
import { kafkaBrokers } from '../../kafka.js';
import { checkAlive, type Node, type Proc, tails } from './processes.js';

export const USERS = 60;
export const WINDOW_MS = 2_000;
export const T0 = 1_700_000_000_000;

/** Click `i`: keyed by one of USERS users, one millisecond after the one before. */
export const click = (i: number) => ({
  user_id: `u${(i * 7) % USERS}`,
  page: `/p/${i % 13}`,
  timestamp: T0 + i,
});

/** One click per user past every window of `events` clicks: every partition's watermark passes them. */
export const closingClicks = (events: number) =>
  Array.from({ length: USERS }, (_, u) => ({ user_id: `u${u}`, page: '/', timestamp: closeAt(events) }));

export const closeAt = (events: number) => T0 + events + 2 * WINDOW_MS;

/** A result's identity: its key and window. */
export const pointId = (p: { key: string; start: number }) => `${p.key}@${p.start}`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
};

export const post = async (url: string, events: readonly unknown[]) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
};

/** The stored points of `series` over every window of `events` clicks. */
export const storedPoints = (url: string, series: string, events: number) =>
  getJson<{ points: SeriesPoint[] }>(
    `${url}/api/v1/series/${series}?from=${T0}&to=${closeAt(events)}&limit=100000`,
  ).then((r) => r.points);

export interface DeploymentNames {
  readonly stream: string;
  readonly pipeline: string;
  readonly series: string;
}

/**
 * Writes the one configuration file of a deployment: clicks posted over HTTP, appended to a
 * 6-partition Kafka topic, counted per user in 2 s tumbling windows into PostgreSQL.
 */
export const writeDeploymentConfig = async (
  dir: string,
  names: DeploymentNames,
  services: {
    readonly databaseUrl: string;
    readonly schema: string;
    readonly redisUrl: string;
    readonly redisPrefix: string;
  },
): Promise<string> => {
  const file = join(dir, 'tributary.yaml');
  await writeFile(
    file,
    `
kafka: { brokers: "${kafkaBrokers()}" }
log: { type: kafka, partitions: 6 }
store: { type: postgres, url: "${services.databaseUrl}", schema: ${services.schema} }
redis: { url: "${services.redisUrl}", prefix: ${services.redisPrefix} }
checkpoint: { interval: 1s }
workers: 1
sources:
  ${names.stream}: { type: http }
pipelines:
  - name: ${names.pipeline}
    source: ${names.stream}
    time: timestamp
    steps:
      - key_by: user_id
        partitioned: true
      - window: { tumbling: 2s }
        aggregate: { clicks: count }
    sink: ${names.series}
`,
  );
  return file;
};

/** Waits until the node answers /readyz, failing early with the story of a process that died. */
export const ready = async (procs: readonly Proc[], node: Node): Promise<void> => {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    checkAlive(procs);
    const ok = await fetch(`${node.url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`${node.proc.name} not ready in 90 s:\n${tails([node.proc])}`);
};
