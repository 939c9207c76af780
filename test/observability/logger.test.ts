import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, LogThrottle } from '../../src/observability/logger.js';

/** A logger writing into an array of parsed JSON lines. */
const capture = (level = 'info') => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
};

describe('structured logs', () => {
  it('are JSON lines with a level name, an ISO time and the context of the child logger', () => {
    const { logger, lines } = capture();
    logger
      .child({ pipeline: 'clicks' })
      .warn({ operator: 'map#1', position: { topic: 'clicks', offset: 7 } }, 'dead letter');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      service: 'tributary',
      pipeline: 'clicks',
      operator: 'map#1',
      position: { topic: 'clicks', offset: 7 },
      msg: 'dead letter',
    });
    expect(new Date(String(lines[0].time)).toISOString()).toBe(lines[0].time);
  });

  it('never write a secret', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        apiKey: 'k-123456789abcdef',
        server: { apiKeys: ['x'], password: 'hunter2' },
        headers: { 'x-api-key': 'k2' },
      },
      'configured',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['k-123456789abcdef', 'hunter2', '"x"', 'k2']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('follow the configured level', () => {
    const { logger, lines } = capture('warn');
    logger.info('hidden');
    logger.error('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('LogThrottle', () => {
  it('lets the first record through, then one per interval, counting what it held back', () => {
    let now = 0;
    const throttle = new LogThrottle(10_000, () => now);
    expect(throttle.admit('map#1')).toBe(0);
    expect(throttle.admit('map#1')).toBeUndefined();
    expect(throttle.admit('map#1')).toBeUndefined();
    expect(throttle.admit('filter#1')).toBe(0);
    now = 10_000;
    expect(throttle.admit('map#1')).toBe(2);
  });
});
