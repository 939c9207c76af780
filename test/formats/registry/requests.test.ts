/**
 * What a registry that cannot serve a request looks like to a caller: no one listening,
 * no answer within the timeout, a URL that is not a Confluent API. The first two are
 * outages to retry (TRB_SCHEMA_REGISTRY_UNAVAILABLE), the last a configuration to fix.
 */
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../../scripts/kafka/processes.js';
import { resolveRegistryOptions } from '../../../src/formats/registry/options.js';
import { refused, registryRequest } from '../../../src/formats/registry/requests.js';
import { schemaRegistryUrl } from '../../registry.js';

describe('a request to the schema registry', () => {
  it('gives the parsed body of a success', async () => {
    const options = resolveRegistryOptions({ url: schemaRegistryUrl() });
    const answer = await registryRequest(options, 'listing subjects', 'GET', '/subjects');
    expect(answer).toMatchObject({ ok: true, body: expect.any(Array) });
  });

  it("returns a 4xx answer with Confluent's error code, for the caller to judge", async () => {
    const options = resolveRegistryOptions({ url: schemaRegistryUrl() });
    const answer = await registryRequest(options, 'fetching schema id', 'GET', '/schemas/ids/2147483000');
    expect(answer).toMatchObject({ ok: false, status: 404, errorCode: 40403 });
  });

  it('is an outage to retry when nothing listens, naming the URL and what to check', async () => {
    const [port] = await freePorts(1);
    const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
    const request = registryRequest(
      resolveRegistryOptions({ url }),
      'fetching schema id 1',
      'GET',
      '/schemas/ids/1',
    );
    await expect(request).rejects.toMatchObject({
      code: 'TRB_SCHEMA_REGISTRY_UNAVAILABLE',
      domain: 'external',
      message: expect.stringMatching(
        new RegExp(
          `^fetching schema id 1: the schema registry at ${url} cannot be reached \\(ECONNREFUSED\\); check that it runs`,
        ),
      ),
    });
  });

  it('is an outage to retry when the registry does not answer within the timeout', async () => {
    // Accepts connections and never answers, like a registry stuck in a long GC pause.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const options = resolveRegistryOptions({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 });
      await expect(
        registryRequest(options, 'fetching schema id 1', 'GET', '/schemas/ids/1'),
      ).rejects.toMatchObject({
        code: 'TRB_SCHEMA_REGISTRY_UNAVAILABLE',
        message: expect.stringContaining('did not answer GET /schemas/ids/1 within 300 ms'),
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('says so when the URL is the registry but not its Confluent API', async () => {
    // Apicurio's root instead of its /apis/ccompat/v7: a 404 without Confluent's error_code.
    const root = schemaRegistryUrl().replace(/\/apis\/ccompat\/v7$/, '');
    const options = resolveRegistryOptions({ url: root });
    const answer = await registryRequest(options, 'fetching schema id 1', 'GET', '/schemas/ids/1');
    if (answer.ok) throw new Error(`${root} answered /schemas/ids/1: not the case this test is about`);
    expect(refused('fetching schema id 1', root, answer)).toMatchObject({
      code: 'TRB_FORMAT_BAD_CONFIG',
      message: expect.stringContaining(
        'the URL may not be a Confluent-compatible API (for Apicurio it ends in /apis/ccompat/v7)',
      ),
    });
  });
});
