import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface DocsOptions {
  /** API keys are configured: the docs then describe how to send one. */
  readonly secured: boolean;
}

/**
 * OpenAPI generated from the route schemas (`/docs/json`, `/docs/yaml`) and Swagger UI at
 * `/docs`. Registered before the routes, so that it sees them all.
 */
const docs: FastifyPluginAsync<DocsOptions> = async (app, { secured }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tributary API',
        version: '1.0.0',
        description:
          'Real-time data platform: ingest events, read pipeline status and stored results, subscribe ' +
          'to live updates on WS /ws. Errors answer { "error": { "code", "message" } }; codes are in docs/errors.md.',
      },
      tags: [
        { name: 'operations', description: 'Health, readiness, metrics' },
        { name: 'platform', description: 'Stats and pipelines' },
        { name: 'ingest', description: 'Send events' },
        { name: 'series', description: 'Stored results' },
        { name: 'live', description: 'WebSocket live updates' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      ...(secured && { security: [{ bearer: [] }, { apiKey: [] }] }),
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // No call to swagger.io's validator: the page reaches nothing but this server.
    uiConfig: { validatorUrl: null },
    staticCSP: true,
    transformStaticCSP: docsPolicy,
  });
};

/**
 * The plugin's own policy, amended: Swagger UI sets style attributes from its script (a
 * console error for each under `style-src 'self'`), so styles may be inline; nothing comes
 * from swagger.io; and no `upgrade-insecure-requests`, which would send the page's requests
 * to https on a server that serves plain http beyond loopback.
 */
const docsPolicy = (policy: string): string =>
  policy
    .replace(/style-src [^;]*;/, "style-src 'self' 'unsafe-inline';")
    .replace(' validator.swagger.io', '')
    .replace(/\s*upgrade-insecure-requests;?/, '');

export const docsPlugin = fp(docs, { name: 'tributary-docs', fastify: '5.x' });
