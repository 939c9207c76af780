/**
 * Alerting: rules judged on observations from the stream, with the lifecycle, routing,
 * grouping, inhibition, silences and notifications of Prometheus Alertmanager.
 *
 * Seams for the runtime:
 * - `AlertingSchema` — the `alerts:` section of the configuration (and rule / silence bodies of the API);
 * - `AlertEngine.open({ config, persistence, registry, clock, logger })`, then `observe`, `tick`, `close`;
 * - `observationsFromResults` / `observationsFromMetrics` — what to observe;
 * - `patternPipeline(rule, compile)` / `patternAlerts(stream, spec)` — pattern rules on the engine;
 * - `AlertStore` — persistence in the result store's database (PGlite or PostgreSQL).
 *
 * What the API shows of alerting (alerts, transitions, silences, notifications, events) is
 * defined in the contract, `src/contract/alerts.ts`.
 */

export { AlertEngine } from './alert-engine.js';
export type { AlertEngineOptions, AlertFilter, AlertLogger } from './alert-engine-options.js';
export { AlertRecord } from './alert-record.js';
export {
  type ExpressionCompiler,
  type PatternPipelineOptions,
  type PatternSpec,
  type PatternStreams,
  patternAlerts,
  patternPipeline,
  toPatternSpec,
} from './cep/compile.js';
export { needsUpdate } from './dispatch/dispatcher.js';
export { DEFAULT_INHIBIT_RULES } from './dispatch/inhibit.js';
export { silenceStatus, toSilence } from './dispatch/silences.js';
export { fingerprint, formatMatcher, matches, matchesAll, parseMatcher } from './labels.js';
export * from './model.js';
export { dingtalkPayload, signedUrl } from './notify/dingtalk.js';
export { type Notification, type NotifiedAlert, webhookBody } from './notify/notification.js';
export {
  type DeliveryResult,
  deliver,
  type Notifier,
  PermanentFailure,
  type RetryPolicy,
} from './notify/notifier.js';
export { slackPayload } from './notify/slack.js';
export { Template } from './notify/template.js';
export { observationsFromMetrics, observationsFromResults } from './observations.js';
export type {
  AlertChanges,
  AlertPersistence,
  HistoryQuery,
  PersistedAlerting,
} from './persistence/alert-persistence.js';
export { AlertStore } from './persistence/alert-store.js';
export { MemoryAlertPersistence } from './persistence/memory-persistence.js';
export { SEED_RATIOS } from './rules/levels.js';
export { type CompiledRule, compileRule, patternSeries, RULE_TYPES, type RuleType } from './rules/rule.js';
export * from './schema.js';
export { type AlertingSettings, resolveAlerting } from './settings.js';
