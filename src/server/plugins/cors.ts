import cors from '@fastify/cors';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface CorsOptions {
  readonly origins: readonly string[];
}

/**
 * CORS for an explicit list of origins, none by default. Keys travel in headers, never in
 * cookies, so credentials stay off and a wildcard is never needed.
 */
const corsFeature: FastifyPluginAsync<CorsOptions> = async (app, { origins }) => {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: [...origins],
    credentials: false,
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type', 'x-api-key'],
    maxAge: 600,
  });
};

export const corsPlugin = fp(corsFeature, { name: 'tributary-cors', fastify: '5.x' });
