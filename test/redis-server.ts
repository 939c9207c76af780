/**
 * A redis-server of the test's own, for outages: on a port of its own, nothing on disk, never
 * the shared one on 6379. Killed and started again on the same port, it comes back empty,
 * as a Redis without persistence does after a restart.
 *
 * @example
 * const redis = await startRedisServer({ port: await freePort() });
 * await redis.kill();
 * await redis.start();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';

export interface RedisServer {
  readonly port: number;
  /** `redis://[:password@]127.0.0.1:<port>` */
  readonly url: string;
  /** SIGKILLs it and waits until it is gone; nothing when it is not running. */
  kill(): Promise<void>;
  /** Starts it again on its port and waits until it answers PING. */
  start(): Promise<void>;
}

export const startRedisServer = async (options: {
  readonly port: number;
  readonly password?: string;
}): Promise<RedisServer> => {
  const { port, password } = options;
  let server: ChildProcess | undefined;
  const redis: RedisServer = {
    port,
    url: `redis://${password === undefined ? '' : `:${password}@`}127.0.0.1:${port}`,
    kill: async () => {
      const running = server;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
    start: async () => {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
      if (password !== undefined) args.push('--requirepass', password);
      server = spawn('redis-server', args, { stdio: 'ignore' });
      await answering(port, password);
    },
  };
  await redis.start();
  return redis;
};

const answering = async (port: number, password: string | undefined): Promise<void> => {
  const probe = new Redis({
    port,
    ...(password === undefined ? {} : { password }),
    lazyConnect: true,
    retryStrategy: () => 100,
  });
  probe.on('error', () => {});
  const deadline = Date.now() + 10_000;
  try {
    while ((await probe.ping().catch(() => '')) !== 'PONG') {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer in 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    probe.disconnect();
  }
};
