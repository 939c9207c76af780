import * as os from 'node:os';
import type { Random } from '../../connectors/generator/event-generator.js';
import { pick, round } from './random.js';
import { checkFields, type DemoGenerator, type DemoGeneratorOptions, isNumber, isString } from './types.js';

/** This machine's load, measured (the seeds' system-metrics dashboard, without the constants). */
export interface HostMetrics {
  readonly host: string;
  /** Busy share of all CPUs since the previous sample, 0–100. */
  readonly cpu_pct: number;
  readonly cpu_count: number;
  /** `os.totalmem() - os.freemem()` (free is what the kernel reports as available). */
  readonly mem_used_bytes: number;
  readonly mem_total_bytes: number;
  readonly mem_pct: number;
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
  /** When the sample was taken: `Date.now()`, not the tick's nominal time. */
  readonly ts: number;
}

/** The parts of `node:os` the probe reads; tests may pass their own to check the arithmetic. */
export interface SystemProbe {
  cpus(): ReadonlyArray<{
    readonly times: Readonly<Record<'user' | 'nice' | 'sys' | 'idle' | 'irq', number>>;
  }>;
  totalmem(): number;
  freemem(): number;
  loadavg(): number[];
  hostname(): string;
}

export interface HostMetricsOptions extends DemoGeneratorOptions {
  /** Default `node:os`. */
  readonly probe?: SystemProbe;
  /** Default `Date.now`. */
  readonly clock?: () => number;
}

export const validateHostMetrics = (value: unknown): true | string =>
  checkFields(
    value,
    {
      host: isString,
      cpu_pct: isNumber,
      cpu_count: isNumber,
      mem_used_bytes: isNumber,
      mem_total_bytes: isNumber,
      mem_pct: isNumber,
      load1: isNumber,
      load5: isNumber,
      load15: isNumber,
      ts: isNumber,
    },
    'host sample',
  );

const cpuTimes = (probe: SystemProbe): { busy: number; total: number; count: number } => {
  let busy = 0;
  let total = 0;
  const cpus = probe.cpus();
  for (const { times } of cpus) {
    const working = times.user + times.nice + times.sys + times.irq;
    busy += working;
    total += working + times.idle;
  }
  return { busy, total, count: cpus.length };
};

/**
 * One sample of this machine per event, read from `node:os`: CPU utilization from the
 * change in `os.cpus()` times since the previous sample (the first against the moment the
 * generator was made), memory from `os.totalmem()`/`os.freemem()`, the load averages and
 * the host name. Nothing is invented: run it at about one event per second, since samples
 * taken within the same clock tick of the kernel repeat the previous CPU figure. Event
 * time is the sampling time, so these events carry no artificial jitter.
 *
 * Malformed (valid JSON, must be dead-lettered), made from a real sample: `cpu_pct` as a
 * string like `"12.5%"`; a sample without `host`; the array `[load1, load5, load15]`.
 */
export const createHostMetrics = (options: HostMetricsOptions = {}): DemoGenerator<HostMetrics> => {
  const random: Random = options.random ?? Math.random;
  const probe: SystemProbe = options.probe ?? os;
  const clock = options.clock ?? Date.now;
  let previous = cpuTimes(probe);
  let lastCpu: number | undefined;

  const sample = (): { value: HostMetrics; key: string } => {
    const current = cpuTimes(probe);
    const busy = current.busy - previous.busy;
    const total = current.total - previous.total;
    if (total > 0) {
      lastCpu = Math.min(100, Math.max(0, (100 * busy) / total));
      previous = current;
    }
    // No clock tick since the last sample: repeat it, or before any, the share since boot.
    const cpu = lastCpu ?? (current.total > 0 ? (100 * current.busy) / current.total : 0);
    const totalMem = probe.totalmem();
    const used = totalMem - probe.freemem();
    const [load1, load5, load15] = probe.loadavg();
    const host = probe.hostname();
    return {
      value: {
        host,
        cpu_pct: round(cpu, 2),
        cpu_count: current.count,
        mem_used_bytes: used,
        mem_total_bytes: totalMem,
        mem_pct: round((100 * used) / totalMem, 2),
        load1,
        load5,
        load15,
        ts: clock(),
      },
      key: host,
    };
  };

  return {
    name: 'host-metrics',
    next: () => sample(),
    malformed() {
      const { value, key } = sample();
      const kind = pick(random, ['missing-field', 'wrong-type', 'not-an-object'] as const);
      if (kind === 'missing-field') {
        const { host: _, ...rest } = value;
        return { value: rest, key };
      }
      if (kind === 'wrong-type') return { value: { ...value, cpu_pct: `${value.cpu_pct}%` }, key };
      return { value: [value.load1, value.load5, value.load15], key };
    },
    validate: validateHostMetrics,
  };
};
