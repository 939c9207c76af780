import type { Labels, Matcher } from '../../contract/index.js';
import { matchesAll, toMatcher } from '../labels.js';
import type { InhibitRuleDocument } from '../schema.js';

export interface InhibitRule {
  readonly source: readonly Matcher[];
  readonly target: readonly Matcher[];
  readonly equal: readonly string[];
}

/**
 * When none are configured: a more severe alert mutes the less severe ones with the same
 * alertname and key (the levels of one threshold rule), as the seeds' levels suggest.
 */
export const DEFAULT_INHIBIT_RULES: readonly InhibitRuleDocument[] = [
  {
    source_matchers: ['severity="critical"'],
    target_matchers: ['severity=~"error|warning|info"'],
    equal: ['alertname', 'series', 'field', 'key'],
  },
  {
    source_matchers: ['severity="error"'],
    target_matchers: ['severity=~"warning|info"'],
    equal: ['alertname', 'series', 'field', 'key'],
  },
  {
    source_matchers: ['severity="warning"'],
    target_matchers: ['severity="info"'],
    equal: ['alertname', 'series', 'field', 'key'],
  },
];

export const toInhibitRule = (doc: InhibitRuleDocument, field: string): InhibitRule => ({
  source: doc.source_matchers.map((m, i) => toMatcher(m, `${field}.source_matchers[${i}]`)),
  target: doc.target_matchers.map((m, i) => toMatcher(m, `${field}.target_matchers[${i}]`)),
  equal: [...(doc.equal ?? [])],
});

interface Source {
  readonly fingerprint: string;
  readonly labels: Labels;
}

/**
 * Which alerts are muted by which firing alerts. `prepare` indexes the firing sources once
 * (per flush or API call); `inhibitedBy` then costs a map look-up per rule.
 */
export class Inhibitor {
  private index: Map<string, string[]>[] = [];

  constructor(readonly rules: readonly InhibitRule[]) {}

  prepare(firing: Iterable<Source>): void {
    this.index = this.rules.map(() => new Map());
    if (this.rules.length === 0) return;
    for (const alert of firing) {
      this.rules.forEach((rule, i) => {
        if (!matchesAll(rule.source, alert.labels)) return;
        const signature = signatureOf(rule.equal, alert.labels);
        const list = this.index[i].get(signature);
        if (list) list.push(alert.fingerprint);
        else this.index[i].set(signature, [alert.fingerprint]);
      });
    }
  }

  /** Fingerprints of the prepared firing alerts that mute `target` (never itself). */
  inhibitedBy(target: Source): string[] {
    const by: string[] = [];
    this.rules.forEach((rule, i) => {
      if (!matchesAll(rule.target, target.labels)) return;
      const sources = this.index[i]?.get(signatureOf(rule.equal, target.labels));
      if (!sources) return;
      for (const fp of sources) if (fp !== target.fingerprint && !by.includes(fp)) by.push(fp);
    });
    return by;
  }
}

const signatureOf = (names: readonly string[], labels: Labels): string =>
  JSON.stringify(names.map((name) => labels[name] ?? ''));
