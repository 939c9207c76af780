import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { PlatformApi } from '../contract/index.js';
import { buildServer } from './app.js';
import { DEFAULT_HOST, DEFAULT_PORT, type ServerOptions } from './options.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, closes WebSocket clients (1001), waits for requests in flight. */
  close(): Promise<void>;
}

/**
 * Builds the server and listens on `options.host` (default 127.0.0.1) and `options.port`
 * (default 8080; 0 picks a free port).
 *
 * @example
 * const server = await startServer(platform, { port: Number(process.env.PORT ?? 8080) });
 * process.once('SIGTERM', () => server.close());
 */
export const startServer = async (
  platform: PlatformApi,
  options: ServerOptions = {},
): Promise<RunningServer> => {
  const app = await buildServer(platform, options);
  const host = options.host ?? DEFAULT_HOST;
  try {
    await app.listen({ host, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    app,
    url: `http://${shown}:${address.port}`,
    host: address.address,
    port: address.port,
    close: () => app.close(),
  };
};
