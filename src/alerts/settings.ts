import { toMillis } from '../engine/time/duration.js';
import { TributaryError } from '../errors.js';
import { DEFAULT_INHIBIT_RULES, type InhibitRule, toInhibitRule } from './dispatch/inhibit.js';
import { type Route, toRoute } from './dispatch/route.js';
import type { Notifier } from './notify/notifier.js';
import { buildReceivers } from './notify/receivers.js';
import { type CompiledRule, compileRule } from './rules/rule.js';
import type { AlertingDocument, RuleDocument, SilenceDocument } from './schema.js';

/** The `alerts:` section checked and compiled. */
export interface AlertingSettings {
  readonly rules: readonly CompiledRule[];
  readonly route?: Route;
  readonly receivers: ReadonlyMap<string, readonly Notifier[]>;
  readonly inhibitRules: readonly InhibitRule[];
  readonly silences: readonly SilenceDocument[];
  readonly evaluationIntervalMs: number;
  readonly resolvedRetentionMs: number;
  readonly externalUrl: string;
}

export const compileRules = (docs: readonly RuleDocument[], field = 'alerts.rules'): CompiledRule[] => {
  const names = new Set<string>();
  return docs.map((doc, i) => {
    const rule = compileRule(doc, `${field}[${i}]`);
    if (names.has(rule.name)) {
      throw new TributaryError(
        'TRB_ALERT_INVALID',
        `${field}[${i}].name: a rule named ${JSON.stringify(rule.name)} is declared twice; names must be unique`,
      );
    }
    names.add(rule.name);
    return rule;
  });
};

/**
 * Checks and compiles the alerting configuration. Every error names the setting
 * (`alerts.rules[2].severity.critical: …`) and the fix. `extraReceivers` adds integrations
 * built in code (a custom notifier) to receivers of those names.
 */
export const resolveAlerting = (
  doc: AlertingDocument = {},
  field = 'alerts',
  extraReceivers: Readonly<Record<string, readonly Notifier[]>> = {},
): AlertingSettings => {
  const rules = compileRules(doc.rules ?? [], `${field}.rules`);
  const receivers = buildReceivers(doc.receivers ?? [], `${field}.receivers`);
  for (const [name, notifiers] of Object.entries(extraReceivers)) {
    receivers.set(name, [...(receivers.get(name) ?? []), ...notifiers]);
  }
  let route: Route | undefined;
  if (doc.route) route = toRoute(doc.route, new Set(receivers.keys()), `${field}.route`);
  else if (receivers.size === 1)
    route = toRoute({ receiver: [...receivers.keys()][0] }, new Set(receivers.keys()), `${field}.route`);
  else if (receivers.size > 1) {
    throw new TributaryError(
      'TRB_ALERT_INVALID',
      `${field}.route: with several receivers, give a route that says which alerts go where`,
    );
  }
  const inhibitRules = (doc.inhibit_rules ?? DEFAULT_INHIBIT_RULES).map((r, i) =>
    toInhibitRule(r, `${field}.inhibit_rules[${i}]`),
  );
  const evaluationIntervalMs =
    doc.evaluation_interval === undefined
      ? 1000
      : toMillis(doc.evaluation_interval, `${field}.evaluation_interval`);
  if (evaluationIntervalMs <= 0)
    throw new TributaryError('TRB_ALERT_INVALID', `${field}.evaluation_interval: must be above 0`);
  return {
    rules,
    route,
    receivers,
    inhibitRules,
    silences: doc.silences ?? [],
    evaluationIntervalMs,
    resolvedRetentionMs:
      doc.resolved_retention === undefined
        ? 900_000
        : toMillis(doc.resolved_retention, `${field}.resolved_retention`),
    externalUrl: doc.external_url ?? '',
  };
};
