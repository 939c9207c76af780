import { randomUUID } from 'node:crypto';
import type { Labels, Silence, SilenceStatus } from '../../contract/index.js';
import { toMillis } from '../../engine/time/duration.js';
import { isInstant, OUT_OF_RANGE } from '../../engine/time/instant.js';
import { TributaryError } from '../../errors.js';
import { matchesAll, toMatcher } from '../labels.js';
import type { SilenceDocument } from '../schema.js';

const invalid = (message: string) => new TributaryError('TRB_ALERT_INVALID', message);

/** A time given as ms since the epoch or as an ISO-8601 string. */
export const toInstant = (value: string | number, field: string): number => {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw invalid(
      `${field}: ${JSON.stringify(value)} is not a time; use ms since the epoch or ISO-8601 like "2025-01-31T18:00:00Z"`,
    );
  }
  if (!isInstant(ms)) throw invalid(`${field}: ${JSON.stringify(value)} ${OUT_OF_RANGE}`);
  return Math.floor(ms);
};

/** Checks a silence document and makes a silence of it; `now` is the default start. */
export const toSilence = (doc: SilenceDocument, now: number, field = 'silence'): Silence => {
  if (!Array.isArray(doc?.matchers) || doc.matchers.length === 0) {
    throw invalid(`${field}.matchers: give at least one matcher, e.g. ["alertname=\\"cpu-high\\""]`);
  }
  const matchers = doc.matchers.map((m, i) => toMatcher(m, `${field}.matchers[${i}]`));
  const startsAt = doc.starts_at === undefined ? now : toInstant(doc.starts_at, `${field}.starts_at`);
  let endsAt: number;
  if (doc.ends_at !== undefined) {
    if (doc.duration !== undefined) throw invalid(`${field}: give ends_at or duration, not both`);
    endsAt = toInstant(doc.ends_at, `${field}.ends_at`);
  } else if (doc.duration !== undefined) {
    endsAt = startsAt + toMillis(doc.duration, `${field}.duration`);
  } else {
    throw invalid(`${field}: give ends_at or duration, e.g. duration: 2h`);
  }
  if (endsAt <= startsAt) throw invalid(`${field}.ends_at: must be after starts_at`);
  if (!isInstant(endsAt)) throw invalid(`${field}.duration: ends ${OUT_OF_RANGE}`);
  return Object.freeze({
    id: doc.id ?? randomUUID(),
    matchers: Object.freeze(matchers),
    startsAt,
    endsAt,
    createdBy: doc.created_by ?? '',
    comment: doc.comment ?? '',
  });
};

export const silenceStatus = (silence: Silence, now: number): SilenceStatus =>
  now < silence.startsAt ? 'pending' : now < silence.endsAt ? 'active' : 'expired';

/** Silences by id: which are active, and which mute a label set. */
export class Silences {
  private readonly byId = new Map<string, Silence>();

  list(): Silence[] {
    return [...this.byId.values()];
  }

  get(id: string): Silence | undefined {
    return this.byId.get(id);
  }

  /** Adds or replaces (same id) a silence. */
  set(silence: Silence): void {
    this.byId.set(silence.id, silence);
  }

  /** Ends a silence now; an expired one stays listed until pruned. */
  expire(id: string, now: number): Silence {
    const silence = this.byId.get(id);
    if (!silence) throw new TributaryError('TRB_ALERT_NOT_FOUND', `no silence has id ${JSON.stringify(id)}`);
    if (silence.endsAt <= now) return silence;
    const expired = Object.freeze({ ...silence, endsAt: Math.max(now, silence.startsAt) });
    this.byId.set(id, expired);
    return expired;
  }

  /** Ids of the silences active at `now` whose matchers all match `labels`. */
  silencing(labels: Labels, now: number): string[] {
    const ids: string[] = [];
    for (const silence of this.byId.values()) {
      if (silence.startsAt <= now && now < silence.endsAt && matchesAll(silence.matchers, labels))
        ids.push(silence.id);
    }
    return ids;
  }

  /** Forgets silences expired for longer than `retention`; returns their ids. */
  prune(now: number, retention: number): string[] {
    const gone: string[] = [];
    for (const [id, silence] of this.byId) {
      if (now - silence.endsAt >= retention) {
        this.byId.delete(id);
        gone.push(id);
      }
    }
    return gone;
  }
}
