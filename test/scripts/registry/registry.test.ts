/**
 * The local schema registry of scripts/registry/ is a real Confluent-compatible API: a
 * schema registered under a subject comes back by its id, the same schema gets the same
 * id, and BACKWARD compatibility (set at start; Apicurio's own default is NONE) refuses a
 * change that would leave old records unreadable. The registry is started here, not taken
 * from the run's global setup, so that its start and stop are what is tested.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, listen } from '../../../scripts/kafka/processes.js';
import { type RunningRegistry, startRegistry } from '../../../scripts/registry/registry.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

const call = async (url: string, method = 'GET', body?: unknown) => {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': CONTENT_TYPE },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const payment = {
  type: 'record',
  name: 'Payment',
  namespace: 'dev.tributary.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double' },
  ],
};

describe('the local schema registry', () => {
  let dir: string;
  let registry: RunningRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-registry-test-'));
    registry = await startRegistry({ dir, log: () => {} });
  }, 180_000);

  afterAll(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('answers on 127.0.0.1 under /apis/ccompat/v7, with global compatibility BACKWARD', async () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7$/);
    expect(await call(`${registry.url}/config`)).toEqual({
      status: 200,
      body: { compatibilityLevel: 'BACKWARD' },
    });
  });

  it('gives back by its id the schema registered under a subject, and the same id again', async () => {
    const subject = `payments-${Date.now()}-value`;
    const registered = await call(`${registry.url}/subjects/${subject}/versions`, 'POST', {
      schema: JSON.stringify(payment),
    });
    expect(registered.status).toBe(200);
    const id = registered.body.id as number;
    expect(Number.isInteger(id)).toBe(true);

    const byId = await call(`${registry.url}/schemas/ids/${id}`);
    expect(byId.status).toBe(200);
    expect(JSON.parse(byId.body.schema as string)).toEqual(payment);

    const again = await call(`${registry.url}/subjects/${subject}/versions`, 'POST', {
      schema: JSON.stringify(payment),
    });
    expect(again.body.id).toBe(id);
  });

  it('refuses a new version that old records could not be read with, and takes one they can', async () => {
    const subject = `evolving-${Date.now()}-value`;
    const versions = `${registry.url}/subjects/${subject}/versions`;
    expect((await call(versions, 'POST', { schema: JSON.stringify(payment) })).status).toBe(200);

    // A new field without a default: a reader with it cannot read records written without it.
    const breaking = { ...payment, fields: [...payment.fields, { name: 'currency', type: 'string' }] };
    const refused = await call(versions, 'POST', { schema: JSON.stringify(breaking) });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/incompatible/i);

    const compatible = {
      ...payment,
      fields: [...payment.fields, { name: 'currency', type: 'string', default: 'EUR' }],
    };
    expect((await call(versions, 'POST', { schema: JSON.stringify(compatible) })).status).toBe(200);
    expect((await call(versions)).body).toEqual([1, 2]);
  });

  it('keeps its log in the folder it was given', async () => {
    expect(await readFile(join(dir, 'logs', 'stdout.log'), 'utf8')).toMatch(
      /Listening on: http:\/\/127\.0\.0\.1/,
    );
  });

  it('refuses a port that is taken, before starting a JVM', async () => {
    const held = await listen(0);
    const port = (held.address() as { port: number }).port;
    try {
      await expect(startRegistry({ port, log: () => {} })).rejects.toMatchObject({
        code: 'REGISTRY_PORT_IN_USE',
        message: expect.stringContaining(`port ${port} on 127.0.0.1 is in use`),
      });
    } finally {
      held.close();
    }
  });

  it('stops: the JVM is gone and the port refuses connections', { timeout: 60_000 }, async () => {
    await registry.stop();
    expect(isAlive(registry.pid)).toBe(false);
    await expect(fetch(`${registry.url}/subjects`)).rejects.toThrow();
  });
});
