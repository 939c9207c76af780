import { type Static, Type } from 'typebox';
import { LabelsSchema, List, LooseNumber, Millis } from './fields.js';
import { ALERT_STATES, MATCH_TYPES, SILENCE_STATUSES } from './vocabulary.js';

export const AlertStateSchema = Type.Enum(ALERT_STATES);
export type AlertState = Static<typeof AlertStateSchema>;
/** A state an alert moves from or to; `inactive` is "no alert". */
export const AlertStateChangeSchema = Type.Enum([...ALERT_STATES, 'inactive']);

/** Label names to values. An alert's identity is its labels. */
export type Labels = Readonly<Static<typeof LabelsSchema>>;

/**
 * One alert: a rule's condition for one key (and one severity level), as the alert engine
 * keeps it across restarts. Times are the engine's clock (processing time), except
 * `observedAt` (event time of the last value).
 */
export const AlertSnapshotSchema = Type.Object({
  fingerprint: Type.String(),
  rule: Type.String(),
  labels: LabelsSchema,
  state: AlertStateSchema,
  activeAt: Type.Number({ description: 'When the condition started to hold' }),
  firedAt: Type.Optional(Millis),
  resolvedAt: Type.Optional(Millis),
  value: LooseNumber('The value the rule last judged (the metric, its rate, its z-score, a count…)'),
  threshold: LooseNumber("The bound the value was judged against for this alert's severity"),
  observedAt: Type.Number({ description: 'Event time of the last value' }),
});
export type AlertSnapshot = Static<typeof AlertSnapshotSchema>;

/** An alert as the API and the dashboard show it (docs/alerting.md). */
export const AlertViewSchema = Type.Object({
  ...AlertSnapshotSchema.properties,
  severity: Type.String(),
  annotations: Type.Record(Type.String(), Type.String()),
  silencedBy: List(Type.String({ description: 'Id of a silence that mutes it now' })),
  inhibitedBy: List(Type.String({ description: 'Fingerprint of an alert that inhibits it now' })),
});
export type AlertView = Static<typeof AlertViewSchema>;

/** A change of an alert's state, as kept in the history. */
export const AlertTransitionSchema = Type.Object({
  fingerprint: Type.String(),
  rule: Type.String(),
  labels: LabelsSchema,
  from: AlertStateChangeSchema,
  to: AlertStateChangeSchema,
  at: Millis,
  value: LooseNumber(),
});
export type AlertTransition = Static<typeof AlertTransitionSchema>;

export const MatchTypeSchema = Type.Enum(MATCH_TYPES);
export type MatchType = Static<typeof MatchTypeSchema>;

export const MatcherSchema = Type.Object({
  name: Type.String(),
  type: MatchTypeSchema,
  value: Type.String(),
});
export type Matcher = Static<typeof MatcherSchema>;

/** A silence mutes the alerts that all its matchers match, from `startsAt` until `endsAt`. */
export const SilenceSchema = Type.Object({
  id: Type.String(),
  matchers: List(MatcherSchema),
  startsAt: Millis,
  endsAt: Millis,
  createdBy: Type.String(),
  comment: Type.String(),
});
export type Silence = Static<typeof SilenceSchema>;

export const SilenceStatusSchema = Type.Enum(SILENCE_STATUSES);
export type SilenceStatus = Static<typeof SilenceStatusSchema>;

export const SilenceWithStatusSchema = Type.Object({
  ...SilenceSchema.properties,
  status: SilenceStatusSchema,
});
export type SilenceWithStatus = Static<typeof SilenceWithStatusSchema>;

/** One notification to one integration of a receiver (after its retries), as kept in the history. */
export const NotificationRecordSchema = Type.Object({
  receiver: Type.String(),
  integration: Type.String(),
  groupKey: Type.String(),
  status: Type.Enum(['firing', 'resolved']),
  fingerprints: List(Type.String()),
  at: Millis,
  ok: Type.Boolean(),
  attempts: Type.Integer({ minimum: 0 }),
  error: Type.Optional(Type.String()),
});
export type NotificationRecord = Static<typeof NotificationRecordSchema>;

/** What the `alerts` WebSocket channel carries: alert changes, silence changes, notifications. */
export const AlertEventSchema = Type.Union([
  Type.Object({
    type: Type.Literal('alert'),
    from: AlertStateChangeSchema,
    to: AlertStateChangeSchema,
    alert: AlertViewSchema,
  }),
  Type.Object({ type: Type.Literal('silence'), silence: SilenceSchema, status: SilenceStatusSchema }),
  Type.Object({ type: Type.Literal('notification'), notification: NotificationRecordSchema }),
]);
export type AlertEvent = Static<typeof AlertEventSchema>;

// ---- routes: /api/v1/alerts ----

export const AlertsQuerySchema = Type.Object({
  state: Type.Optional(
    Type.String({ description: `${ALERT_STATES.join(', ')}; comma-separated for several` }),
  ),
});

export const HistoryQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
});

export const RuleParamsSchema = Type.Object({ name: Type.String({ minLength: 1 }) });
export const SilenceParamsSchema = Type.Object({ id: Type.String({ minLength: 1 }) });
export const AlertParamsSchema = Type.Object({ fingerprint: Type.String({ minLength: 1 }) });

// A rule or silence is a document of the configuration's `alerts:` section
// (docs/alerting.md). The alert engine checks it as it checks the configuration, naming
// the field at fault; a stricter schema here would let the HTTP validation strip unknown
// fields and fill defaults into what is stored, instead of refusing with that message.
export const RuleBodySchema = Type.Unsafe<Readonly<Record<string, unknown>>>(
  Type.Object(
    {},
    { additionalProperties: true, description: 'A rule as in alerts.rules of the configuration' },
  ),
);
export type RuleBody = Static<typeof RuleBodySchema>;
export const SilenceBodySchema = Type.Unsafe<Readonly<Record<string, unknown>>>(
  Type.Object(
    {},
    {
      additionalProperties: true,
      description: 'A silence as in alerts.silences: matchers, and ends_at or duration',
    },
  ),
);
export type SilenceBody = Static<typeof SilenceBodySchema>;

export const SilenceAlertBodySchema = Type.Object({
  duration: Type.Union([Type.String(), Type.Number()], {
    description: 'How long: ms, or a duration like 1h',
  }),
  comment: Type.Optional(Type.String()),
});
export type SilenceAlertBody = Static<typeof SilenceAlertBodySchema>;

export const AlertListSchema = Type.Object({ alerts: List(AlertViewSchema) });
export const TransitionListSchema = Type.Object({ transitions: List(AlertTransitionSchema) });
export const NotificationListSchema = Type.Object({ notifications: List(NotificationRecordSchema) });
export const RuleListSchema = Type.Object({ rules: List(RuleBodySchema) });
export const RuleAnswerSchema = Type.Object({ rule: RuleBodySchema });
export const RuleRemovedSchema = Type.Object({ removed: Type.String({ description: 'The rule removed' }) });
export const SilenceListSchema = Type.Object({ silences: List(SilenceWithStatusSchema) });
export const SilenceAnswerSchema = Type.Object({ silence: SilenceSchema });
