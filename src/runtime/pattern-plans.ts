import { patternPipeline } from '../alerts/cep/compile.js';
import type { AlertingDocument, PatternRuleDocument } from '../alerts/schema.js';
import { compileExpression } from '../config/expressions.js';
import type { Plan } from '../engine/plan/plan.js';

/** The sink name of pattern-rule pipelines: what they emit are observations for the alert engine. */
export const ALERT_SINK = 'alerts';
/** Their late events, kept in a log topic of that name. */
export const ALERT_LATE_SINK = 'alerts-late';

/**
 * One pipeline per pattern rule, reading the rule's source topic. Apart from the alert
 * engine: a worker thread builds these plans too, and has no use for notifications.
 */
export const patternPlans = (document: AlertingDocument | undefined): Plan[] => {
  const rules = (document?.rules ?? []).filter((r): r is PatternRuleDocument => r.type === 'pattern');
  return rules.map((rule) =>
    patternPipeline(rule, (text, use, field) => compileExpression(text, { use, label: field }).evaluate, {
      sink: ALERT_SINK,
      lateSink: ALERT_LATE_SINK,
    }),
  );
};
