import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/connectors/generator/index.js';
import {
  type Click,
  createDemoGenerator,
  createHostMetrics,
  createLogins,
  DEMO_RATES,
  type DemoGeneratorName,
  demoGenerators,
  type HostMetrics,
  type LoginAttempt,
  SENSOR_OUTLIERS,
  type SensorReading,
  type StockTick,
  type SystemProbe,
} from '../../../src/demo/generators/index.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const names = Object.keys(demoGenerators) as DemoGeneratorName[];

/** `count` events from a seeded generator, one every `stepMs` of simulated time. */
const events = <T>(name: DemoGeneratorName, count: number, stepMs = 10, seed = 42) => {
  const generator = createDemoGenerator(name, { random: seededRandom(seed) });
  const out: { now: number; key?: string; value: T }[] = [];
  for (let i = 0; i < count; i++) {
    const now = T0 + i * stepMs;
    const event = generator.next(now);
    out.push({ now, key: event.key, value: event.value as T });
  }
  return out;
};

const kindOf = (value: unknown, validate: (v: unknown) => true | string): string => {
  const problem = validate(value);
  if (problem === true) return 'well-formed';
  if (problem.includes('not a JSON object')) return 'not-an-object';
  if (problem.includes('missing')) return 'missing-field';
  return 'wrong-type';
};

describe.each(names.filter((name) => name !== 'host-metrics'))('the %s demo generator', (name) => {
  const generator = createDemoGenerator(name);

  it('makes well-formed, keyed events with an event time at or a little before now', () => {
    for (const { now, key, value } of events<{ ts: number }>(name, 5_000)) {
      expect(generator.validate(value)).toBe(true);
      expect(typeof key).toBe('string');
      expect(value.ts).toBeLessThanOrEqual(now);
      expect(value.ts).toBeGreaterThanOrEqual(now - 6_000);
    }
  });

  it('makes malformed events of three kinds, each still valid JSON', () => {
    const bad = createDemoGenerator(name, { random: seededRandom(9) });
    const kinds = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const { value } = bad.malformed(T0 + i * 10);
      expect(JSON.parse(JSON.stringify(value))).toEqual(value);
      const kind = kindOf(value, bad.validate);
      expect(kind).not.toBe('well-formed');
      kinds.add(kind);
    }
    expect([...kinds].sort()).toEqual(['missing-field', 'not-an-object', 'wrong-type']);
  });

  it('replays exactly from a seed', () => {
    expect(events(name, 100)).toEqual(events(name, 100));
    expect(events(name, 100, 10, 1)).not.toEqual(events(name, 100, 10, 2));
  });

  it('has a default rate', () => {
    expect(DEMO_RATES[name]).toBeGreaterThan(0);
  });
});

describe('clicks', () => {
  const clicks = events<Click>('clicks', 20_000).map((e) => e.value);
  const share = (field: 'user' | 'page', value: string) =>
    clicks.filter((c) => c[field] === value).length / clicks.length;

  it('has a few heavy users and skewed page popularity', () => {
    const users = new Set(clicks.map((c) => c.user));
    expect(users.size).toBeGreaterThan(300);
    // Uniform would be 1/500 each; the heaviest user makes more than 10% of all clicks.
    expect(share('user', 'user-1')).toBeGreaterThan(0.1);
    expect(share('page', '/home')).toBeGreaterThan(3 * share('page', '/checkout'));
  });

  it('gives a session its referrer on the first click, and "internal" after', () => {
    const firstOfSession = new Map<string, Click>();
    for (const click of clicks)
      if (!firstOfSession.has(click.session)) firstOfSession.set(click.session, click);
    for (const click of firstOfSession.values()) expect(click.referrer).not.toBe('internal');
    expect(clicks.filter((c) => c.referrer === 'internal').length / clicks.length).toBeGreaterThan(0.5);
    // A session belongs to one user.
    const owner = new Map<string, string>();
    for (const click of clicks) {
      if (!owner.has(click.session)) owner.set(click.session, click.user);
      expect(owner.get(click.session)).toBe(click.user);
    }
  });
});

describe('stock ticks', () => {
  const ticks = events<StockTick>('stock-ticks', 20_000).map((e) => e.value);

  it('walks each price in small steps from where it started', () => {
    const last = new Map<string, number>();
    for (const { symbol, price, volume } of ticks) {
      expect(price).toBeGreaterThan(0);
      expect(Number.isInteger(volume) && volume > 0).toBe(true);
      const previous = last.get(symbol);
      if (previous !== undefined) expect(Math.abs(price / previous - 1)).toBeLessThan(0.01);
      last.set(symbol, price);
    }
    expect(last.size).toBeGreaterThanOrEqual(6);
    expect(last.get('AAPL')).toBeGreaterThan(150);
    expect(last.get('AAPL')).toBeLessThan(240);
  });
});

describe('IoT sensors', () => {
  const readings = events<SensorReading>('iot-sensors', 50_000).map((e) => e.value);

  it('reports °F around room temperature, drifting per device', () => {
    const normal = readings.filter((r) => r.temp_f !== null && !SENSOR_OUTLIERS.includes(r.temp_f));
    const last = new Map<string, number>();
    let bigJumps = 0;
    for (const { device, temp_f } of normal) {
      expect(temp_f).toBeGreaterThan(40);
      expect(temp_f).toBeLessThan(135);
      const previous = last.get(device);
      if (previous !== undefined && Math.abs(temp_f! - previous) > 5) bigJumps++;
      last.set(device, temp_f!);
    }
    expect(last.size).toBe(20);
    expect(bigJumps / normal.length).toBeLessThan(0.01);
    // A heated device crosses 100 °F at some point: the seeds' alert has something to catch.
    expect(normal.some((r) => r.temp_f! > 100)).toBe(true);
  });

  it('has occasional nulls and outliers like 999 and -459.67, which are well-formed', () => {
    const nulls = readings.filter((r) => r.temp_f === null).length / readings.length;
    const outliers = readings.filter((r) => r.temp_f !== null && SENSOR_OUTLIERS.includes(r.temp_f));
    expect(nulls).toBeGreaterThan(0.005);
    expect(nulls).toBeLessThan(0.02);
    expect(outliers.length / readings.length).toBeGreaterThan(0.0005);
    expect(outliers.length / readings.length).toBeLessThan(0.005);
    expect(new Set(outliers.map((r) => r.temp_f))).toEqual(new Set(SENSOR_OUTLIERS));
    expect(readings.some((r) => r.humidity === null)).toBe(true);
  });
});

describe('logins', () => {
  /** Failures per IP per minute (tumbling minutes), as the seeds' rule counts them. */
  const failuresPerMinute = (attempts: readonly LoginAttempt[]) => {
    const counts = new Map<string, number>();
    for (const { ip, ts, success } of attempts) {
      if (success) continue;
      const key = `${ip} ${Math.floor(ts / 60_000)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].filter(([, n]) => n > 5).map(([key]) => key.split(' ') as [string, string]);
  };

  it.each([5, 20, 200])(
    'at %i events/s, only the periodic brute-force bursts trip ">5 failures per IP per minute"',
    (rate) => {
      const minutes = 9;
      const attempts = events<LoginAttempt>('logins', minutes * 60 * rate, 1000 / rate).map((e) => e.value);
      const fired = failuresPerMinute(attempts);
      const ips = new Set(fired.map(([ip]) => ip));
      for (const ip of ips) expect(ip).toMatch(/^203\.0\.113\./);
      // A burst every 2 minutes ± 15 s from the 20th second: 4 or 5 in 9 minutes, each firing.
      expect(ips.size).toBeGreaterThanOrEqual(4);
      expect(ips.size).toBeLessThanOrEqual(5);
      // …and then stopping: a burst's IP fires in at most two adjacent minutes.
      for (const ip of ips) {
        const when = fired.filter(([i]) => i === ip).map(([, minute]) => Number(minute));
        expect(Math.max(...when) - Math.min(...when)).toBeLessThanOrEqual(1);
      }
      // Most attempts succeed, from many IPs.
      expect(attempts.filter((a) => a.success).length / attempts.length).toBeGreaterThan(0.9);
      expect(new Set(attempts.map((a) => a.ip)).size).toBeGreaterThan(attempts.length / 4);
    },
  );

  it('puts 12 to 20 failures of one IP within 20 seconds', () => {
    const logins = createLogins({ random: seededRandom(5), firstBurstAfterMs: 1_000 });
    const burst: LoginAttempt[] = [];
    for (let i = 0; i < 60 * 20; i++) {
      const { value } = logins.next(T0 + i * 50);
      if ((value as LoginAttempt).ip.startsWith('203.0.113.')) burst.push(value as LoginAttempt);
    }
    expect(burst.length).toBeGreaterThanOrEqual(12);
    expect(burst.length).toBeLessThanOrEqual(20);
    expect(new Set(burst.map((a) => a.ip)).size).toBe(1);
    expect(burst.every((a) => !a.success)).toBe(true);
    expect(burst[burst.length - 1].ts - burst[0].ts).toBeLessThanOrEqual(20_000);
  });
});

describe('host metrics', () => {
  it('reads this machine from node:os', () => {
    const generator = createDemoGenerator('host-metrics');
    const before = Date.now();
    const { value, key } = generator.next(0) as { value: HostMetrics; key: string };
    expect(generator.validate(value)).toBe(true);
    expect(value.host).toBe(os.hostname());
    expect(key).toBe(os.hostname());
    expect(value.mem_total_bytes).toBe(os.totalmem());
    expect(value.mem_used_bytes).toBeGreaterThan(0);
    expect(value.mem_used_bytes).toBeLessThanOrEqual(os.totalmem());
    expect(value.mem_pct).toBeCloseTo((100 * value.mem_used_bytes) / value.mem_total_bytes, 1);
    expect(value.cpu_count).toBe(os.cpus().length);
    expect(value.cpu_pct).toBeGreaterThanOrEqual(0);
    expect(value.cpu_pct).toBeLessThanOrEqual(100);
    const [load1] = os.loadavg();
    expect(Math.abs(value.load1 - load1)).toBeLessThan(1);
    // The sampling time, not the nominal time it was asked for.
    expect(value.ts).toBeGreaterThanOrEqual(before);
    expect(value.ts).toBeLessThanOrEqual(Date.now());
  });

  it('sees the CPU this process burns between two samples', () => {
    const generator = createHostMetrics();
    generator.next(0);
    const until = Date.now() + 300;
    let spin = 0;
    while (Date.now() < until) spin++;
    const { value } = generator.next(0) as { value: HostMetrics };
    expect(spin).toBeGreaterThan(0);
    expect(value.cpu_pct).toBeGreaterThan(0);
  });

  it('computes CPU utilization from the change in cpu times between samples', () => {
    let step = 0;
    // Two CPUs; between samples each works 30 ms and idles 70 ms, then 90 and 10.
    const times = [
      [
        { user: 1000, nice: 0, sys: 500, irq: 0, idle: 8500 },
        { user: 2000, nice: 0, sys: 0, irq: 0, idle: 8000 },
      ],
      [
        { user: 1020, nice: 0, sys: 510, irq: 0, idle: 8570 },
        { user: 2030, nice: 0, sys: 0, irq: 0, idle: 8070 },
      ],
      [
        { user: 1100, nice: 0, sys: 520, irq: 0, idle: 8580 },
        { user: 2110, nice: 5, sys: 5, irq: 0, idle: 8080 },
      ],
    ];
    const probe: SystemProbe = {
      cpus: () => times[step].map((t) => ({ times: t })),
      totalmem: () => 1000,
      freemem: () => 250,
      loadavg: () => [0.5, 0.25, 0.125],
      hostname: () => 'probe',
    };
    const generator = createHostMetrics({ probe, clock: () => 7 });
    step = 1;
    expect(generator.next(0).value).toEqual({
      host: 'probe',
      cpu_pct: 30,
      cpu_count: 2,
      mem_used_bytes: 750,
      mem_total_bytes: 1000,
      mem_pct: 75,
      load1: 0.5,
      load5: 0.25,
      load15: 0.125,
      ts: 7,
    });
    step = 2;
    expect((generator.next(0).value as HostMetrics).cpu_pct).toBe(90);
    // No clock tick since: the last measured figure, not an invented one.
    expect((generator.next(0).value as HostMetrics).cpu_pct).toBe(90);
  });

  it('makes malformed samples from real ones', () => {
    const generator = createHostMetrics({ random: seededRandom(4) });
    const kinds = new Set<string>();
    for (let i = 0; i < 60; i++) kinds.add(kindOf(generator.malformed(0).value, generator.validate));
    expect([...kinds].sort()).toEqual(['missing-field', 'not-an-object', 'wrong-type']);
  });
});

it('names every demo generator in the index', () => {
  expect(names.sort()).toEqual(['clicks', 'host-metrics', 'iot-sensors', 'logins', 'stock-ticks']);
  for (const name of names) expect(demoGenerators[name]().name).toBe(name);
});
