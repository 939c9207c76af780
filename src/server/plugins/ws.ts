import type { FastifyPluginAsync } from 'fastify';
import { errorResponses, LiveQuerySchema, type PlatformApi } from '../../contract/index.js';
import { badRequest } from '../http-errors.js';
import { LiveHub } from '../live/live-hub.js';
import { LiveSession } from '../live/live-session.js';
import type { ResolvedLiveOptions } from '../options.js';
import type { ServerMetrics } from '../server-metrics.js';

export interface WsOptions {
  readonly platform: PlatformApi;
  readonly metrics: ServerMetrics;
  readonly live: ResolvedLiveOptions;
}

const DESCRIPTION = `WebSocket. Send {"subscribe": ["stats", "series:<name>", "pipeline:<name>", "alerts"]} or
{"unsubscribe": [...]}; the server answers {"subscribed": [...]} / {"unsubscribed": [...]} and pushes
{"channel": "...", "data": ...}, at most a few times per second per channel (the latest value; series
points merged). A bad message gets {"error": {"code": "TRB_WS_BAD_MESSAGE", "message": "..."}} and the
connection stays open. A client that reads too slowly is closed with code 1008. With API keys, send the
key as a header or as ?apiKey=<key>; the read scope is needed.`;

/**
 * `WS /ws`: live updates, fanned out from one platform subscription per channel. Needs
 * `@fastify/websocket` registered at the root before any hook that can refuse a request.
 */
export const wsPlugin: FastifyPluginAsync<WsOptions> = async (app, { platform, metrics, live }) => {
  const hub = new LiveHub(platform, live, metrics.live, (error, channel) =>
    app.log.error({ err: error, channel }, 'a live update could not be serialized; it was skipped'),
  );
  const sessions = new Set<LiveSession>();
  const heartbeat =
    live.heartbeatMs > 0
      ? setInterval(() => {
          for (const session of sessions) session.ping();
        }, live.heartbeatMs).unref()
      : undefined;
  app.addHook('onClose', async () => {
    if (heartbeat) clearInterval(heartbeat);
    for (const session of sessions) session.shutDown();
    hub.close();
  });

  app.route({
    method: 'GET',
    url: '',
    config: { scope: 'read', keyInQuery: true },
    schema: {
      summary: 'Live updates over WebSocket (upgrade)',
      description: DESCRIPTION,
      tags: ['live'],
      querystring: LiveQuerySchema,
      response: {
        101: { description: 'Switching Protocols: the WebSocket is open' },
        ...errorResponses(400, 401, 403),
      },
    },
    // A plain GET (no Upgrade header) lands here.
    handler: async () => {
      throw badRequest('/ws is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)');
    },
    wsHandler: (socket) => {
      const session = new LiveSession(socket, hub);
      sessions.add(session);
      socket.on('close', () => sessions.delete(session));
    },
  });
};
