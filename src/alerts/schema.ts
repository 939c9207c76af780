/**
 * The alerting section of the configuration (`alerts:`), and the bodies of the rule and
 * silence endpoints: defined once with TypeBox, which gives the TypeScript types and the
 * JSON Schema. Keys are snake_case as in Prometheus Alertmanager, whose semantics (routes,
 * grouping, inhibition, silences) these follow. `resolveAlerting` checks what a schema says
 * badly (bands in order, regexes that compile, templates that parse, receivers that exist).
 */
import Type, { type Static } from 'typebox';
import { duration } from '../config/durations.js';
import { SEVERITIES } from './model.js';

const closed = { additionalProperties: false } as const;

const name = (description: string) => Type.String({ minLength: 1, description });
const expression = (description: string) => Type.String({ minLength: 1, description });
const template = (description: string) => Type.String({ description });

/** A time: ms since the epoch or an ISO-8601 string. */
const instant = (description: string) =>
  Type.Unsafe<string | number>({ type: ['string', 'number'], description });

const MatcherSchema = Type.Union([
  Type.String({ minLength: 1, description: 'name="value", name!="value", name=~"regex" or name!~"regex"' }),
  Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      type: Type.Enum(['=', '!=', '=~', '!~']),
      value: Type.String(),
    },
    closed,
  ),
]);
const matchers = (description: string) => Type.Array(MatcherSchema, { description });

const SeverityLevel = Type.Enum(SEVERITIES);

/** `ratio` (the default), one level, or bands: the bound of each level. */
const SeveritySchema = Type.Union([
  Type.Enum(['ratio', ...SEVERITIES], {
    description:
      'ratio: above 1.5× the threshold critical, above 1.2× error, else warning; or one level for every alert',
  }),
  Type.Object(
    {
      info: Type.Optional(Type.Number()),
      warning: Type.Optional(Type.Number()),
      error: Type.Optional(Type.Number()),
      critical: Type.Optional(Type.Number()),
    },
    {
      ...closed,
      minProperties: 1,
      description: 'Bands: the bound of each level, e.g. { warning: 80, critical: 95 }',
    },
  ),
]);

const OpSchema = Type.Enum(['>', '>=', '<', '<='], {
  description: 'How the value compares with the threshold (default >)',
});

/** Fields every rule has. */
const common = {
  name: Type.String({
    minLength: 1,
    pattern: '^[A-Za-z0-9_.:-]+$',
    description: 'Unique; the alertname label',
  }),
  for: Type.Optional(duration('Pending until the condition held this long (default 0)')),
  labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Added to every alert' })),
  annotations: Type.Optional(
    Type.Record(Type.String(), template('A template'), { description: 'summary, description, …: templates' }),
  ),
};

/** Fields of rules that judge a numeric quantity of a series. */
const judged = {
  series: name('The series (pipeline sink, store series or metric) to watch'),
  field: Type.Optional(name('The field of the results; absent for a single-valued series (a metric)')),
  key: Type.Optional(Type.String({ description: 'Only this key; default every key' })),
  op: Type.Optional(OpSchema),
  severity: Type.Optional(SeveritySchema),
  hysteresis: Type.Optional(
    Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?%$' })], {
      description:
        'Resolve only once the value is this far back past the bound: a number or "5%" of the bound',
    }),
  ),
};

export const ThresholdRuleSchema = Type.Object(
  {
    ...common,
    ...judged,
    type: Type.Literal('threshold'),
    threshold: Type.Optional(Type.Number({ description: 'The bound (with ratio or a single level)' })),
    resolve_after: Type.Optional(
      duration(
        'Resolve the alerts of a key that reports nothing for this long; default 3 of its intervals between results, at least 5m',
      ),
    ),
  },
  closed,
);

export const RateRuleSchema = Type.Object(
  {
    ...common,
    ...judged,
    type: Type.Literal('rate'),
    threshold: Type.Optional(Type.Number({ description: 'Change per `per`' })),
    window: duration('Over how much event time the change is measured'),
    per: Type.Optional(duration('The unit of the rate (default 1s)')),
  },
  closed,
);

export const AnomalyRuleSchema = Type.Object(
  {
    ...common,
    ...judged,
    type: Type.Literal('anomaly'),
    method: Type.Optional(Type.Enum(['zscore', 'ewma'], { default: 'zscore' })),
    threshold: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, default: 3, description: 'Standard deviations' }),
    ),
    window: Type.Optional(
      Type.Integer({ minimum: 2, default: 60, description: 'zscore: values in the baseline' }),
    ),
    alpha: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.1,
        description: 'ewma: weight of a new value',
      }),
    ),
    warm_up: Type.Optional(Type.Integer({ minimum: 2, description: 'Values per key before any judgement' })),
    direction: Type.Optional(Type.Enum(['both', 'up', 'down'], { default: 'both' })),
  },
  closed,
);

export const AbsenceRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('absence'),
    series: name('The series that must keep reporting'),
    field: Type.Optional(name('Only observations of this field count')),
    after: duration('Alert when nothing arrived for this long (processing time)'),
    scope: Type.Optional(
      Type.Enum(['key', 'series'], { default: 'key', description: 'Per key, or the series as a whole' }),
    ),
    keys: Type.Optional(Type.Array(Type.String(), { description: 'Keys expected from the start' })),
    severity: Type.Optional(SeveritySchema),
  },
  closed,
);

const CountPatternSchema = Type.Object(
  {
    where: Type.Optional(expression('Which events count (default all)')),
    more_than: Type.Integer({
      minimum: 0,
      description: 'Alert when more than this many fall within `within`',
    }),
    within: duration('The sliding window'),
  },
  closed,
);

const PairPatternSchema = Type.Object(
  {
    first: expression('Event A'),
    followed_by: expression('Event B'),
    within: duration('How long after A'),
  },
  closed,
);

export const PatternRuleSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('pattern'),
    source: name('The source (stream) whose events are matched'),
    key: expression('Per what: an expression giving the key (ip, user, …)'),
    time: Type.Optional(expression('Event time of an event; default the source time')),
    watermark: Type.Optional(duration('Bounded out-of-orderness of the events (default 0)')),
    count: Type.Optional(CountPatternSchema),
    sequence: Type.Optional(PairPatternSchema),
    not_followed: Type.Optional(PairPatternSchema),
    severity: Type.Optional(SeverityLevel),
    resolve_after: Type.Optional(duration('Resolve when no match came for this long')),
  },
  closed,
);

export const RuleSchema = Type.Union(
  [ThresholdRuleSchema, RateRuleSchema, AnomalyRuleSchema, AbsenceRuleSchema, PatternRuleSchema],
  { title: 'alert rule' },
);

const retry = Type.Object(
  {
    attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
    backoff: Type.Optional(duration('First wait between attempts, doubled each time', { default: '500ms' })),
    max_backoff: Type.Optional(duration('Longest wait between attempts', { default: '30s' })),
  },
  closed,
);

const delivery = {
  send_resolved: Type.Optional(Type.Boolean({ default: true })),
  timeout: Type.Optional(duration('Per attempt', { default: '10s' })),
  retry: Type.Optional(retry),
};

const WebhookSchema = Type.Object(
  {
    ...delivery,
    url: Type.String({ minLength: 1 }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    title: Type.Optional(template('Added to the JSON body as "title"')),
    text: Type.Optional(template('Added to the JSON body as "text"')),
  },
  closed,
);

const EmailSchema = Type.Object(
  {
    ...delivery,
    to: Type.Union([
      Type.String({ minLength: 1 }),
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    ]),
    from: Type.String({ minLength: 1 }),
    smarthost: Type.String({ minLength: 1, description: 'host:port of the SMTP server' }),
    auth_username: Type.Optional(Type.String()),
    auth_password: Type.Optional(Type.String()),
    tls: Type.Optional(
      Type.Boolean({ description: 'TLS from the start (port 465); default STARTTLS when offered' }),
    ),
    require_tls: Type.Optional(
      Type.Boolean({ description: 'Refuse to send without TLS (default: when a password is set)' }),
    ),
    subject: Type.Optional(template('Subject')),
    text: Type.Optional(template('Plain-text body')),
    html: Type.Optional(template('HTML body (values HTML-escaped)')),
  },
  closed,
);

const SlackSchema = Type.Object(
  {
    ...delivery,
    url: Type.String({ minLength: 1, description: 'Incoming-webhook URL' }),
    channel: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    title: Type.Optional(template('Attachment title')),
    text: Type.Optional(template('Attachment text (values Slack-escaped)')),
  },
  closed,
);

const DingTalkSchema = Type.Object(
  {
    ...delivery,
    url: Type.String({ minLength: 1, description: 'Robot webhook URL (with access_token)' }),
    secret: Type.Optional(Type.String({ description: 'Signing secret of the robot, if it has one' })),
    title: Type.Optional(template('Markdown title')),
    text: Type.Optional(template('Markdown text')),
    at_mobiles: Type.Optional(Type.Array(Type.String())),
    at_all: Type.Optional(Type.Boolean()),
  },
  closed,
);

export const ReceiverSchema = Type.Object(
  {
    name: name('Referred to by routes'),
    webhook_configs: Type.Optional(Type.Array(WebhookSchema)),
    email_configs: Type.Optional(Type.Array(EmailSchema)),
    slack_configs: Type.Optional(Type.Array(SlackSchema)),
    dingtalk_configs: Type.Optional(Type.Array(DingTalkSchema)),
  },
  closed,
);

const routeFields = {
  receiver: Type.Optional(name('Default: the parent route’s')),
  group_by: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), { description: "Label names; ['...'] for all" }),
  ),
  group_wait: Type.Optional(
    duration('Wait before the first notification of a new group', { default: '30s' }),
  ),
  group_interval: Type.Optional(
    duration('Wait before notifying about changes of a group', { default: '5m' }),
  ),
  repeat_interval: Type.Optional(
    duration('Wait before repeating an unchanged notification', { default: '4h' }),
  ),
  matchers: Type.Optional(matchers('Alerts this route takes (all must match)')),
  continue: Type.Optional(
    Type.Boolean({ description: 'Keep matching siblings after this route', default: false }),
  ),
};

export const RouteSchema = Type.Cyclic(
  {
    Route: Type.Object({ ...routeFields, routes: Type.Optional(Type.Array(Type.Ref('Route'))) }, closed),
  },
  'Route',
);

export const InhibitRuleSchema = Type.Object(
  {
    source_matchers: matchers('The inhibiting (firing) alerts'),
    target_matchers: matchers('The muted alerts'),
    equal: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Labels both must share' }),
    ),
  },
  closed,
);

export const SilenceSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    matchers: Type.Array(MatcherSchema, {
      minItems: 1,
      maxItems: 100,
      'x-hint': 'e.g. ["alertname=\\"cpu-high\\""]',
    }),
    starts_at: Type.Optional(instant('Default now')),
    ends_at: Type.Optional(instant('When it expires')),
    duration: Type.Optional(duration('Or: how long from starts_at')),
    created_by: Type.Optional(Type.String({ maxLength: 200 })),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  closed,
);

export const AlertingSchema = Type.Object(
  {
    rules: Type.Optional(Type.Array(RuleSchema, { default: [] })),
    route: Type.Optional(RouteSchema),
    receivers: Type.Optional(Type.Array(ReceiverSchema, { default: [] })),
    inhibit_rules: Type.Optional(
      Type.Array(InhibitRuleSchema, {
        description: 'Default: a higher severity mutes the lower ones of the same alertname and key',
      }),
    ),
    silences: Type.Optional(Type.Array(SilenceSchema, { default: [] })),
    evaluation_interval: Type.Optional(
      duration('How often time-based transitions are checked', { default: '1s' }),
    ),
    resolved_retention: Type.Optional(
      duration('How long resolved alerts stay listed as such', { default: '15m' }),
    ),
    external_url: Type.Optional(
      Type.String({ description: 'Base URL of this platform, for links in notifications' }),
    ),
  },
  closed,
);

export type AlertingDocument = Static<typeof AlertingSchema>;
export type RuleDocument = Static<typeof RuleSchema>;
export type ThresholdRuleDocument = Static<typeof ThresholdRuleSchema>;
export type RateRuleDocument = Static<typeof RateRuleSchema>;
export type AnomalyRuleDocument = Static<typeof AnomalyRuleSchema>;
export type AbsenceRuleDocument = Static<typeof AbsenceRuleSchema>;
export type PatternRuleDocument = Static<typeof PatternRuleSchema>;
export type RouteDocument = Static<typeof RouteSchema>;
export type ReceiverDocument = Static<typeof ReceiverSchema>;
export type WebhookDocument = Static<typeof WebhookSchema>;
export type EmailDocument = Static<typeof EmailSchema>;
export type SlackDocument = Static<typeof SlackSchema>;
export type DingTalkDocument = Static<typeof DingTalkSchema>;
export type InhibitRuleDocument = Static<typeof InhibitRuleSchema>;
export type SilenceDocument = Static<typeof SilenceSchema>;
export type MatcherDocument = Static<typeof MatcherSchema>;
