/**
 * Alerting: rules judged on observations from the stream, with the lifecycle, routing,
 * grouping, inhibition, silences and notifications of Prometheus Alertmanager.
 *
 * Seams for the runtime:
 * - `AlertingSchema` — the `alerts:` section of the configuration (and rule / silence bodies of the API);
 * - `AlertEngine.open({ config, persistence, registry, clock, logger })`, then `observe`, `tick`, `close`;
 * - `observationsFromResults` / `observationsFromMetrics` — what to observe;
 * - `patternPipeline(rule, compile)` / `patternAlerts(stream, spec)` — pattern rules on the engine;
 * - `AlertStore` (in `src/store/alert-store.ts`) — persistence in PGlite or PostgreSQL.
 */
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
export {
  AlertEngine,
  type AlertEngineOptions,
  type AlertEvent,
  type AlertFilter,
  type AlertLogger,
} from './engine.js';
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
export {
  type AlertChanges,
  type AlertPersistence,
  type HistoryQuery,
  MemoryAlertPersistence,
  type PersistedAlerting,
} from './persistence.js';
export { SEED_RATIOS } from './rules/levels.js';
export { type CompiledRule, compileRule, patternSeries, RULE_TYPES, type RuleType } from './rules/rule.js';
export * from './schema.js';
export { type AlertingSettings, resolveAlerting } from './settings.js';
