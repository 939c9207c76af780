import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { buildServer } from '../../src/server/app.js';
import type { ServerOptions } from '../../src/server/options.js';
import { MemoryPlatform } from './memory-platform.js';

export const READ_KEY = 'read-key-0123456789abcdef';
export const INGEST_KEY = 'ingest-key-0123456789abcdef';
export const ADMIN_KEY = 'admin-key-0123456789abcdef';
export const BOTH_KEY = 'both-key-0123456789abcdef';

export const API_KEYS = [
  { key: READ_KEY, scopes: ['read'] },
  { key: INGEST_KEY, scopes: ['ingest'] },
  { key: ADMIN_KEY, scopes: ['admin'] },
  { key: BOTH_KEY, scopes: ['read', 'ingest'] },
] as const;

export interface TestServer {
  readonly app: FastifyInstance;
  readonly platform: MemoryPlatform;
}

export const testServer = async (
  options: ServerOptions = {},
  platform = new MemoryPlatform(),
): Promise<TestServer> => {
  const app = await buildServer(platform, options);
  return { app, platform };
};

/** Asserts the `{ error: { code, message } }` body and returns the message. */
export const expectError = (response: LightMyRequestResponse, status: number, code: string): string => {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
};

export const post = (
  app: FastifyInstance,
  url: string,
  payload: string | Buffer,
  contentType = 'application/json',
) => app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

/** A WebSocket client that records every frame it receives, parsed. */
export class TestClient {
  readonly frames: Record<string, any>[] = [];
  readonly socket: WebSocket;
  private waiters: (() => void)[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits until a frame matches, and returns it. */
  async waitFor(
    match: (frame: Record<string, any>) => boolean,
    timeoutMs = 3000,
  ): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  updates(channel: string): unknown[] {
    return this.frames.filter((f) => f.channel === channel).map((f) => f.data);
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PromSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface PromFamily {
  readonly name: string;
  help?: string;
  type?: string;
  readonly samples: PromSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
  counter: ['', '_total'],
};

/**
 * A strict reader of the Prometheus text exposition format 0.0.4: throws on a line that a
 * Prometheus server would refuse (bad names, bad escapes, a sample before its TYPE, a
 * histogram without +Inf, a family declared twice).
 */
export const parsePrometheusText = (text: string): Map<string, PromFamily> => {
  const families = new Map<string, PromFamily>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const family = (name: string): PromFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, samples: [] }));
    return f;
  };
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, i) => {
      const where = `line ${i + 1} (${JSON.stringify(line)})`;
      if (line.trim() === '') return;
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (meta) {
        const [, kind, name, rest] = meta;
        if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
        const f = family(name);
        if (kind === 'HELP') {
          if (f.help !== undefined) throw new Error(`${where}: HELP given twice`);
          if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
          f.help = rest;
        } else {
          if (f.type !== undefined) throw new Error(`${where}: TYPE given twice`);
          if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
          if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
          f.type = rest;
        }
        return;
      }
      if (line.startsWith('#')) return;
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
      if (!sample) throw new Error(`${where}: not a sample`);
      const [, name, labelText, valueText] = sample;
      const labels: Record<string, string> = {};
      if (labelText) {
        const label = /([^=,\s]+)="((?:[^"\\]|\\["\\n])*)"(,|$)/y;
        let at = 0;
        while (at < labelText.length) {
          label.lastIndex = at;
          const m = label.exec(labelText);
          if (!m || !LABEL_NAME.test(m[1])) throw new Error(`${where}: bad label at ${at}`);
          if (m[1] in labels) throw new Error(`${where}: label ${m[1]} twice`);
          labels[m[1]] = m[2];
          at = label.lastIndex;
        }
      }
      const value = /^(?:[+-]?Inf|NaN)$/.test(valueText)
        ? Number(valueText.replace('Inf', 'Infinity'))
        : Number(valueText);
      if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`${where}: bad value`);
      const owner = [...families.values()].find(
        (f) => f.type && (SUFFIXES[f.type] ?? ['']).some((suffix) => `${f.name}${suffix}` === name),
      );
      if (!owner) throw new Error(`${where}: sample without a TYPE line`);
      owner.samples.push({ name, labels, value });
    });
  for (const f of families.values()) {
    if (f.type === 'histogram') {
      const infs = f.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.le === '+Inf');
      const counts = f.samples.filter((s) => s.name.endsWith('_count'));
      if (infs.length !== counts.length) throw new Error(`${f.name}: a series without le="+Inf"`);
    }
  }
  return families;
};
