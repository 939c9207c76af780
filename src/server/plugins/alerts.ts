import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ALERT_STATES,
  type AlertingApi,
  AlertListSchema,
  AlertParamsSchema,
  type AlertState,
  AlertsQuerySchema,
  errorResponses,
  HistoryQuerySchema,
  NotificationListSchema,
  type PlatformApi,
  RuleAnswerSchema,
  RuleBodySchema,
  RuleListSchema,
  RuleParamsSchema,
  RuleRemovedSchema,
  SilenceAlertBodySchema,
  SilenceAnswerSchema,
  SilenceBodySchema,
  SilenceListSchema,
  SilenceParamsSchema,
  TransitionListSchema,
} from '../../contract/index.js';
import { badRequest, notFound } from '../http-errors.js';

export interface AlertsOptions {
  readonly platform: PlatformApi;
}

/**
 * `/api/v1/alerts`: alerts by state, their history and notifications, rules and silences.
 * Reading needs the `read` scope, changing rules and silences `admin`. Without an `alerts:`
 * section in the configuration every route answers 404 saying so.
 */
export const alertsPlugin: FastifyPluginAsyncTypebox<AlertsOptions> = async (app, { platform }) => {
  // Alert values can be NaN (see LooseNumber in the contract): JSON.stringify writes them as
  // null where the compiled serializer would throw. These answers are small and rare.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const alerting = (): AlertingApi => {
    const engine = platform.alerting?.();
    if (!engine)
      throw notFound(
        'alerting is not configured; add an alerts: section to the configuration (docs/alerting.md)',
      );
    return engine;
  };
  const read = { config: { scope: 'read' as const } };
  const admin = { config: { scope: 'admin' as const } };
  const tags = ['alerts'];

  app.get(
    '',
    {
      ...read,
      schema: {
        summary: 'Alerts, newest first; ?state=firing|pending|resolved (comma-separated for several)',
        tags,
        querystring: AlertsQuerySchema,
        response: { 200: AlertListSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const states = request.query.state?.split(',').map((s) => s.trim());
      const bad = states?.find((s) => !(ALERT_STATES as readonly string[]).includes(s));
      if (bad)
        throw badRequest(`state: ${JSON.stringify(bad)} is not a state; use ${ALERT_STATES.join(', ')}`);
      return { alerts: await alerting().alerts({ state: states as AlertState[] | undefined }) };
    },
  );

  app.get(
    '/history',
    {
      ...read,
      schema: {
        summary: 'State transitions of alerts, newest first',
        tags,
        querystring: HistoryQuerySchema,
        response: { 200: TransitionListSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ transitions: await alerting().history({ limit: request.query.limit }) }),
  );

  app.get(
    '/notifications',
    {
      ...read,
      schema: {
        summary: 'Notifications sent or failed, newest first',
        tags,
        querystring: HistoryQuerySchema,
        response: { 200: NotificationListSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ notifications: await alerting().notifications({ limit: request.query.limit }) }),
  );

  app.get(
    '/rules',
    {
      ...read,
      schema: {
        summary: 'Alert rules',
        tags,
        response: { 200: RuleListSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async () => ({
      rules: await alerting().rules(),
    }),
  );

  app.put(
    '/rules/:name',
    {
      ...admin,
      schema: {
        summary: 'Creates or replaces a rule (the body is a rule as in the configuration)',
        tags,
        params: RuleParamsSchema,
        body: RuleBodySchema,
        response: { 200: RuleAnswerSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await alerting().upsertRule({ ...request.body, name: request.params.name });
      return { rule: await alerting().rule(request.params.name) };
    },
  );

  app.delete(
    '/rules/:name',
    {
      ...admin,
      schema: {
        summary: 'Removes a rule; its alerts resolve',
        tags,
        params: RuleParamsSchema,
        response: { 200: RuleRemovedSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      await alerting().removeRule(request.params.name);
      return { removed: request.params.name };
    },
  );

  app.get(
    '/silences',
    {
      ...read,
      schema: {
        summary: 'Silences with their status',
        tags,
        response: { 200: SilenceListSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async () => ({
      silences: await alerting().silences(),
    }),
  );

  app.post(
    '/silences',
    {
      ...admin,
      schema: {
        summary: 'Adds a silence (matchers, and ends_at or duration)',
        tags,
        body: SilenceBodySchema,
        response: { 201: SilenceAnswerSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return { silence: await alerting().addSilence(request.body) };
    },
  );

  app.delete(
    '/silences/:id',
    {
      ...admin,
      schema: {
        summary: 'Expires a silence now',
        tags,
        params: SilenceParamsSchema,
        response: { 200: SilenceAnswerSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({ silence: await alerting().expireSilence(request.params.id) }),
  );

  app.post(
    '/:fingerprint/silence',
    {
      ...admin,
      schema: {
        summary: 'Silences one alert (a silence matching all its labels) for a duration',
        tags,
        params: AlertParamsSchema,
        body: SilenceAlertBodySchema,
        response: { 201: SilenceAnswerSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      reply.code(201);
      const { duration, comment } = request.body;
      return {
        silence: await alerting().silenceAlert(request.params.fingerprint, {
          duration,
          comment,
          createdBy: 'api',
        }),
      };
    },
  );
};
