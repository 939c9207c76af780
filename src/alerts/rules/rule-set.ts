import type { AlertSnapshot } from '../../contract/index.js';
import { AlertRecord } from '../alert-record.js';
import { fingerprint } from '../labels.js';
import { type AlertTable, alertLabels } from '../lifecycle.js';
import { countBy } from '../metrics.js';
import { SEVERITIES } from '../model.js';
import type { RuleDocument } from '../schema.js';
import { type Evaluator, evaluatorFor } from './evaluators/index.js';
import { type CompiledRule, compileRule } from './rule.js';
import { RuleIndex } from './rule-index.js';

/**
 * The rules in force: an evaluator per rule, indexed for observations, and the ones that
 * also act on ticks. Replacing a rule hands its alerts to the new evaluator where they
 * still fit (same labels, same level); the rest end.
 */
export class RuleSet {
  readonly index = new RuleIndex();
  readonly evaluators = new Map<string, Evaluator>();
  /** Evaluators that judge on ticks too (absence, pattern expiry). */
  readonly timed = new Set<Evaluator>();

  constructor(private readonly table: AlertTable) {}

  get(name: string): Evaluator | undefined {
    return this.evaluators.get(name);
  }

  documents(): RuleDocument[] {
    return [...this.evaluators.values()].map((e) => e.rule.document);
  }

  countsByType(): Map<string, number> {
    return countBy(this.evaluators.values(), (e) => e.rule.type);
  }

  /** Adds a rule, or replaces the one of its name. */
  put(rule: CompiledRule): void {
    const old = this.evaluators.get(rule.name);
    if (old) this.unindex(old);
    const evaluator = evaluatorFor(rule, this.table.now);
    this.evaluators.set(rule.name, evaluator);
    this.index.add(evaluator);
    if (rule.type === 'absence' || rule.type === 'pattern' || rule.type === 'threshold')
      this.timed.add(evaluator);
    if (old) this.handOver(old, evaluator);
  }

  /** Removes a rule; its alerts end. */
  remove(name: string): boolean {
    const old = this.evaluators.get(name);
    if (!old) return false;
    this.unindex(old);
    this.evaluators.delete(name);
    this.handOver(old, undefined);
    return true;
  }

  /** Makes `rules` the rules in force: others go, changed ones are replaced, the same stay as they are. */
  set(rules: readonly CompiledRule[]): void {
    const names = new Set(rules.map((r) => r.name));
    for (const name of [...this.evaluators.keys()]) if (!names.has(name)) this.remove(name);
    for (const rule of rules) {
      const old = this.evaluators.get(rule.name);
      if (!old || JSON.stringify(old.rule.document) !== JSON.stringify(rule.document)) this.put(rule);
    }
  }

  /**
   * An alert from before a restart, back as a record. It is attached to its rule's key
   * state when the rule still has it (same labels, same level); otherwise it keeps a
   * stand-in rule and the caller ends it.
   */
  revive(snapshot: AlertSnapshot, now: number): { record: AlertRecord; attached: boolean } {
    const key = snapshot.labels.key ?? '';
    const evaluator = this.evaluators.get(snapshot.rule);
    let rule = evaluator?.rule;
    let level = rule ? rule.levels.findIndex((l) => l.severity === snapshot.labels.severity) : -1;
    if (rule && level >= 0 && fingerprint(alertLabels(rule, key, level)) !== snapshot.fingerprint) level = -1;
    if (!rule || level < 0) {
      const severity = (SEVERITIES as readonly string[]).includes(snapshot.labels.severity ?? '')
        ? (snapshot.labels.severity as 'warning')
        : 'warning';
      rule = compileRule({
        name: snapshot.rule,
        type: 'threshold',
        series: snapshot.labels.series ?? snapshot.rule,
        threshold: Number.isFinite(snapshot.threshold) ? snapshot.threshold : 0,
        severity,
      });
    }
    const record = new AlertRecord(
      snapshot.fingerprint,
      rule,
      key,
      level,
      snapshot.labels,
      snapshot.activeAt,
      snapshot.value,
      snapshot.value,
      snapshot.observedAt,
    );
    record.state = snapshot.state;
    record.firedAt = snapshot.firedAt;
    record.resolvedAt = snapshot.resolvedAt;
    record.updatedAt = snapshot.resolvedAt ?? snapshot.firedAt ?? snapshot.activeAt ?? now;
    const attached =
      record.state !== 'resolved' && evaluator !== undefined && level >= 0 && evaluator.restore(record, now);
    return { record, attached };
  }

  private unindex(evaluator: Evaluator): void {
    this.index.remove(evaluator);
    this.timed.delete(evaluator);
  }

  private handOver(old: Evaluator, successor: Evaluator | undefined): void {
    for (const state of [...old.states()]) {
      for (const record of state.alerts) {
        if (!record) continue;
        const rule = successor?.rule;
        const fits =
          rule !== undefined &&
          record.level < rule.levels.length &&
          fingerprint(alertLabels(rule, record.key, record.level)) === record.fingerprint;
        if (fits && successor!.restore(record, this.table.now)) record.rule = rule!;
        else this.table.end(record);
      }
    }
  }
}
