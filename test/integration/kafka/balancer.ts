/**
 * A load balancer in front of API nodes, as a deployment puts one (docs/deployment.md): a
 * TCP proxy on a loopback port of its own that hands each new connection to the first
 * backend, in the order given, that accepts it. A backend that is gone refuses, so its
 * clients' next connections land on the next one; a connection open to a backend that dies
 * is cut, as a real balancer cuts it.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Balancer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Connections handed to each backend so far, by its URL. */
  readonly handed: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export const startBalancer = async (backends: readonly string[]): Promise<Balancer> => {
  const handed = new Map<string, number>();
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const tryBackend = (index: number) => {
      if (index >= backends.length) return client.destroy();
      const { hostname, port } = new URL(backends[index]);
      const upstream = connect(Number(port), hostname);
      open.add(upstream);
      upstream.on('close', () => open.delete(upstream));
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        handed.set(backends[index], (handed.get(backends[index]) ?? 0) + 1);
        upstream.on('error', () => client.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.once('error', () => {
        // Refused before anything went through: the next backend gets the connection.
        if (!connected) tryBackend(index + 1);
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    handed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
