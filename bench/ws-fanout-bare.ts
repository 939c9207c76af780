/**
 * The baseline of `ws-fanout`: a bare `ws` server on `node:http` that speaks just enough of
 * the protocol for the same clients (`{"subscribe": […]}` answered `{"subscribed": […]}`)
 * and broadcasts frames of the same shape. No platform, no Fastify, no throttle, no
 * per-session bookkeeping: the floor of sending these frames to these clients from one
 * Node process.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface BareFanout {
  readonly url: string;
  /** Sends `{"channel", "data"}` to every subscribed client; returns when it was stamped. */
  broadcast(data: unknown): number;
  close(): Promise<void>;
}

export const startBareFanout = async (channel: string, now: () => number): Promise<BareFanout> => {
  const http = createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, path: '/ws' });
  const subscribed = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const request = JSON.parse(String(data)) as { subscribe?: string[] };
      if (!request.subscribe?.includes(channel)) return;
      subscribed.add(socket);
      socket.send(JSON.stringify({ subscribed: request.subscribe }));
    });
    socket.on('close', () => subscribed.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    broadcast: (data) => {
      const at = now();
      const frame = JSON.stringify({ channel, data });
      for (const socket of subscribed) socket.send(frame);
      return at;
    },
    close: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
};
