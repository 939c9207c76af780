import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AlertState } from '../../alerts/model.js';
import type { RuleDocument, SilenceDocument } from '../../alerts/schema.js';
import { badRequest, notFound } from '../http-errors.js';
import type { AlertingApi, PlatformApi } from '../platform-api.js';
import { errors } from '../schemas.js';

export interface AlertsOptions {
  readonly platform: PlatformApi;
}

const STATES = ['pending', 'firing', 'resolved'] as const;
const Name = Type.Object({ name: Type.String({ minLength: 1 }) });
const Id = Type.Object({ id: Type.String({ minLength: 1 }) });
const Fingerprint = Type.Object({ fingerprint: Type.String({ minLength: 1 }) });
/** Bodies are the alert engine's views, documented in docs/alerting.md. */
const Ok = Type.Unknown();
/** A rule or silence as in the configuration; the alert engine checks it and names what is wrong. */
const Document = Type.Object({}, { additionalProperties: true });
const Limit = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) });

/**
 * `/api/v1/alerts`: alerts by state, their history and notifications, rules and silences.
 * Reading needs the `read` scope, changing rules and silences `admin`. Without an `alerts:`
 * section in the configuration every route answers 404 saying so.
 */
export const alertsPlugin: FastifyPluginAsyncTypebox<AlertsOptions> = async (app, { platform }) => {
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
        querystring: Type.Object({ state: Type.Optional(Type.String()) }),
        response: { 200: Ok, 201: Ok, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const states = request.query.state?.split(',').map((s) => s.trim());
      const bad = states?.find((s) => !(STATES as readonly string[]).includes(s));
      if (bad) throw badRequest(`state: ${JSON.stringify(bad)} is not a state; use ${STATES.join(', ')}`);
      return { alerts: alerting().alerts({ state: states as AlertState[] | undefined }) };
    },
  );

  app.get(
    '/history',
    {
      ...read,
      schema: {
        summary: 'State transitions of alerts, newest first',
        tags,
        querystring: Limit,
        response: { 200: Ok, 201: Ok, ...errors(400, 401, 403, 404) },
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
        querystring: Limit,
        response: { 200: Ok, 201: Ok, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ notifications: await alerting().notifications({ limit: request.query.limit }) }),
  );

  app.get(
    '/rules',
    {
      ...read,
      schema: { summary: 'Alert rules', tags, response: { 200: Ok, 201: Ok, ...errors(401, 403, 404) } },
    },
    async () => ({
      rules: alerting().rules(),
    }),
  );

  app.put(
    '/rules/:name',
    {
      ...admin,
      schema: {
        summary: 'Creates or replaces a rule (the body is a rule as in the configuration)',
        tags,
        params: Name,
        body: Document,
        response: { 200: Ok, 201: Ok, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      alerting().upsertRule({ ...request.body, name: request.params.name } as RuleDocument);
      return { rule: alerting().rule(request.params.name) };
    },
  );

  app.delete(
    '/rules/:name',
    {
      ...admin,
      schema: {
        summary: 'Removes a rule; its alerts resolve',
        tags,
        params: Name,
        response: { 200: Ok, 201: Ok, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      alerting().removeRule(request.params.name);
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
        response: { 200: Ok, 201: Ok, ...errors(401, 403, 404) },
      },
    },
    async () => ({
      silences: alerting().silences(),
    }),
  );

  app.post(
    '/silences',
    {
      ...admin,
      schema: {
        summary: 'Adds a silence (matchers, and ends_at or duration)',
        tags,
        body: Document,
        response: { 200: Ok, 201: Ok, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return { silence: alerting().addSilence(request.body as SilenceDocument) };
    },
  );

  app.delete(
    '/silences/:id',
    {
      ...admin,
      schema: {
        summary: 'Expires a silence now',
        tags,
        params: Id,
        response: { 200: Ok, 201: Ok, ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ silence: alerting().expireSilence(request.params.id) }),
  );

  app.post(
    '/:fingerprint/silence',
    {
      ...admin,
      schema: {
        summary: 'Silences one alert (a silence matching all its labels) for a duration',
        tags,
        params: Fingerprint,
        body: Type.Object({
          duration: Type.Union([Type.String(), Type.Number()]),
          comment: Type.Optional(Type.String()),
        }),
        response: { 200: Ok, 201: Ok, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      reply.code(201);
      const { duration, comment } = request.body;
      return {
        silence: alerting().silenceAlert(request.params.fingerprint, { duration, comment, createdBy: 'api' }),
      };
    },
  );
};
