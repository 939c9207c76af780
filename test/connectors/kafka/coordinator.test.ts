/**
 * A connection to a coordinator lives outside the clients' pools. When its broker goes away
 * (a node killed under a running platform), the connection's error must not end the
 * process: the connection closes, and a request on it fails so that its caller retries.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { FindCoordinatorKeyTypes, findCoordinatorV6 } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerConnection } from '../../../src/connectors/kafka/coordinator.js';

/** A listener that accepts a connection, then resets it (as a killed broker's host does). */
const resettingServer = async (): Promise<{ server: Server; port: number; accepted: Promise<Socket> }> => {
  let accept!: (socket: Socket) => void;
  const accepted = new Promise<Socket>((resolve) => {
    accept = resolve;
  });
  const server = createServer(accept);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return { server, port: address.port, accepted };
};

describe('a connection to a coordinator', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });

  it('survives its broker resetting it, and fails the next request instead of the process', async () => {
    const listening = await resettingServer();
    server = listening.server;
    const connection = brokerConnection({ clientId: 'test', bootstrapBrokers: [], requestTimeout: 5_000 });
    await connection.connect('127.0.0.1', listening.port);
    const closed = new Promise((resolve) => connection.once('close', resolve));

    (await listening.accepted).resetAndDestroy();
    await closed;
    // The reset reached the connection as an error event (ECONNRESET). Had nothing listened,
    // it would have ended the process: the test run reports it as an uncaught exception.
    await expect(
      findCoordinatorV6.api.async(connection, FindCoordinatorKeyTypes.GROUP, ['some-group']),
    ).rejects.toThrow('Connection closed');
  });
});
