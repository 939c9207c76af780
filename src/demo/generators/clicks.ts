import type { Random } from '../../connectors/generator/event-generator.js';
import { integerBetween, jitteredTime, pick, weightedPicker, zipfWeights } from './random.js';
import { checkFields, type DemoGenerator, type DemoGeneratorOptions, isNumber, isString } from './types.js';

/** A page view on a web site (the seeds' "click events"). */
export interface Click {
  readonly user: string;
  readonly page: string;
  /** Event time, ms since the epoch. */
  readonly ts: number;
  readonly session: string;
  /** Where the session came from; `internal` for every click after a session's first. */
  readonly referrer: string;
  readonly dwellMs: number;
}

export interface ClickOptions extends DemoGeneratorOptions {
  /** Default 500. A Zipf spread: the first few users click far more than the rest. */
  readonly users?: number;
}

const PAGES = [
  '/home',
  '/search',
  '/product/42',
  '/product/7',
  '/cart',
  '/product/1337',
  '/checkout',
  '/blog/streaming-101',
  '/help',
  '/account',
  '/product/99',
  '/careers',
];
const REFERRERS = ['direct', 'google', 'newsletter', 'twitter', 'bing', 'reddit'];
const REFERRER_WEIGHTS = [30, 40, 10, 8, 7, 5];
const SESSION_IDLE_MS = 30 * 60 * 1000;

export const validateClick = (value: unknown): true | string =>
  checkFields(
    value,
    {
      user: isString,
      page: isString,
      ts: isNumber,
      session: isString,
      referrer: isString,
      dwellMs: isNumber,
    },
    'click',
  );

/**
 * Clicks of `users` users on a dozen pages: user activity and page popularity both follow a
 * Zipf law (a few heavy users, a home page far ahead of the careers page); sessions end after
 * 30 minutes of quiet or now and then at random, and carry their referrer on the first click.
 *
 * Malformed (valid JSON, must be dead-lettered): a click without `user`; a click whose `ts`
 * is an ISO string; an array `[user, page, ts]` instead of an object.
 */
export const createClicks = (options: ClickOptions = {}): DemoGenerator<Click> => {
  const random: Random = options.random ?? Math.random;
  const users = Array.from({ length: options.users ?? 500 }, (_, i) => `user-${i + 1}`);
  const pickUser = weightedPicker(users, zipfWeights(users.length, 1));
  const pickPage = weightedPicker(PAGES, zipfWeights(PAGES.length, 1.2));
  const pickReferrer = weightedPicker(REFERRERS, REFERRER_WEIGHTS);
  const sessions = new Map<string, { id: string; lastSeen: number }>();
  let sessionCount = 0;

  const next = (now: number): { value: Click; key: string } => {
    const user = pickUser(random);
    const ts = jitteredTime(random, now);
    let session = sessions.get(user);
    let referrer = 'internal';
    if (!session || ts - session.lastSeen > SESSION_IDLE_MS || random() < 0.02) {
      session = {
        id: `s-${(++sessionCount).toString(36)}-${integerBetween(random, 0, 1e6).toString(36)}`,
        lastSeen: ts,
      };
      sessions.set(user, session);
      referrer = pickReferrer(random);
    }
    session.lastSeen = Math.max(session.lastSeen, ts);
    const dwellMs = Math.round(200 + random() ** 3 * 20_000);
    return { value: { user, page: pickPage(random), ts, session: session.id, referrer, dwellMs }, key: user };
  };

  return {
    name: 'clicks',
    next,
    malformed(now) {
      const { value, key } = next(now);
      const kind = pick(random, ['missing-field', 'wrong-type', 'not-an-object'] as const);
      if (kind === 'missing-field') {
        const { user: _, ...rest } = value;
        return { value: rest, key };
      }
      if (kind === 'wrong-type') return { value: { ...value, ts: new Date(value.ts).toISOString() }, key };
      return { value: [value.user, value.page, value.ts], key };
    },
    validate: validateClick,
  };
};
