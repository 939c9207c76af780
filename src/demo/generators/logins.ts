import type { Random } from '../../connectors/generator/event-generator.js';
import { integerBetween, jitteredTime, pick } from './random.js';
import {
  checkFields,
  type DemoGenerator,
  type DemoGeneratorOptions,
  isBoolean,
  isNumber,
  isString,
} from './types.js';

/** A login attempt (the seeds' failed-login detection: more than 5 failures per IP per minute). */
export interface LoginAttempt {
  readonly ip: string;
  readonly user: string;
  readonly success: boolean;
  readonly ts: number;
}

export interface LoginOptions extends DemoGeneratorOptions {
  /** Default 20,000 users, each with a home IP. */
  readonly users?: number;
  /** Share of ordinary attempts that succeed. Default 0.96. */
  readonly successRate?: number;
  /** The first brute-force burst starts this long after the first event. Default 20 s. */
  readonly firstBurstAfterMs?: number;
  /** Bursts start about this far apart (±15 s). Default 120 s. */
  readonly burstEveryMs?: number;
}

interface Burst {
  readonly ip: string;
  readonly user: string;
  /** Event times of the burst's failures, ascending. */
  readonly times: number[];
  next: number;
}

const BURST_TARGETS = ['admin', 'root', 'administrator', 'test', 'oracle', 'ubuntu'];

export const validateLoginAttempt = (value: unknown): true | string =>
  checkFields(value, { ip: isString, user: isString, success: isBoolean, ts: isNumber }, 'login attempt');

/**
 * Login attempts of many users from their own IPs, mostly successful; the few failures are
 * spread so thin that no ordinary IP fails more than 5 times in a minute. About every two
 * minutes one attacker IP (from the documentation range 203.0.113.0/24) fails 12–20 times
 * within 10–20 s against an account like `admin` — so a ">5 failures per IP per minute"
 * rule fires (even when the burst straddles a minute boundary) and then stops, because the
 * attacker never comes back. Burst failures carry their scheduled time as `ts`, so the
 * pattern holds at any generation rate of a few events per second or more.
 *
 * Malformed (valid JSON, must be dead-lettered): an attempt whose `success` is the string
 * `"false"`; an attempt without `ip`; a JSON `null`.
 */
export const createLogins = (options: LoginOptions = {}): DemoGenerator<LoginAttempt> => {
  const random: Random = options.random ?? Math.random;
  const users = options.users ?? 20_000;
  const successRate = options.successRate ?? 0.96;
  const firstBurstAfterMs = options.firstBurstAfterMs ?? 20_000;
  const burstEveryMs = options.burstEveryMs ?? 120_000;
  let nextBurstAt: number | undefined;
  let burst: Burst | undefined;
  let attackers = 0;

  const startBurst = (at: number): Burst => {
    const count = integerBetween(random, 12, 20);
    const span = 10_000 + random() * 10_000;
    const times = Array.from({ length: count }, () => Math.round(at + random() * span)).sort((a, b) => a - b);
    attackers++;
    return { ip: `203.0.113.${1 + (attackers % 254)}`, user: pick(random, BURST_TARGETS), times, next: 0 };
  };

  const next = (now: number): { value: LoginAttempt; key: string } => {
    nextBurstAt ??= now + firstBurstAfterMs;
    if (!burst && now >= nextBurstAt) {
      burst = startBurst(nextBurstAt);
      nextBurstAt += burstEveryMs + (random() - 0.5) * 30_000;
    }
    if (burst && burst.times[burst.next] <= now) {
      const ts = burst.times[burst.next++];
      const { ip, user } = burst;
      if (burst.next === burst.times.length) burst = undefined;
      return { value: { ip, user, success: false, ts }, key: ip };
    }
    const n = Math.floor(random() * users);
    // Most people log in from home; some from a phone or a café.
    const ip =
      random() < 0.85
        ? `10.${(n >> 8) & 255}.${n & 255}.${2 + ((n * 37) % 250)}`
        : `100.${integerBetween(random, 64, 127)}.${integerBetween(random, 0, 255)}.${integerBetween(random, 1, 254)}`;
    const value = {
      ip,
      user: `user-${n + 1}`,
      success: random() < successRate,
      ts: jitteredTime(random, now),
    };
    return { value, key: ip };
  };

  return {
    name: 'logins',
    next,
    malformed(now) {
      const { value, key } = next(now);
      const kind = pick(random, ['missing-field', 'wrong-type', 'not-an-object'] as const);
      if (kind === 'missing-field') {
        const { ip: _, ...rest } = value;
        return { value: rest, key };
      }
      if (kind === 'wrong-type') return { value: { ...value, success: String(value.success) }, key };
      return { value: null, key };
    },
    validate: validateLoginAttempt,
  };
};
