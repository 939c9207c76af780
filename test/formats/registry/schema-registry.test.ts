/**
 * The client against a real registry (the run's, from test/registry-global-setup.ts):
 * registration, look-up and schemas by id, each answer asked for once.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../src/formats/registry/index.js';
import { schemaRegistryUrl } from '../../registry.js';

const order = {
  type: 'record',
  name: 'Order',
  namespace: 'dev.tributary.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'total', type: 'double' },
  ],
};

const subject = () => `orders-${randomUUID()}-value`;

describe('a schema registry client', () => {
  it('registers a schema under a subject and gets it back by its id, as Avro', async () => {
    const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
    const id = await registry.register(subject(), order);
    const fetched = await registry.schemaById(id);
    expect(fetched).toMatchObject({ id, schemaType: 'AVRO', references: [] });
    expect(JSON.parse(fetched.schema)).toEqual(order);
  });

  it('gives the same id for the same schema, under another subject too', async () => {
    const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
    const first = await registry.register(subject(), order);
    // A second client: no cache in common with the first.
    const again = await new SchemaRegistry({ url: schemaRegistryUrl() }).register(
      subject(),
      JSON.stringify(order),
    );
    expect(again).toBe(first);
  });

  it('shares one request among callers that want the same id at once, and keeps the answer', async () => {
    const id = await new SchemaRegistry({ url: schemaRegistryUrl() }).register(subject(), order);
    const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
    expect(registry.knownSchema(id)).toBeUndefined();
    const [a, b, c] = await Promise.all([
      registry.schemaById(id),
      registry.schemaById(id),
      registry.schemaById(id),
    ]);
    // One object: one answer, parsed once.
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(registry.knownSchema(id)).toBe(a);
    expect(await registry.schemaById(id)).toBe(a);
  });

  it('looks a schema up under a subject: its id when registered there, undefined when not', async () => {
    const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
    const name = subject();
    expect(await registry.lookup(name, order)).toBeUndefined();
    const id = await new SchemaRegistry({ url: schemaRegistryUrl() }).register(name, order);
    // Not cached while missing: found once registered, by another client.
    expect(await registry.lookup(name, order)).toBe(id);
    const other = { ...order, fields: [...order.fields, { name: 'note', type: 'string', default: '' }] };
    expect(await registry.lookup(name, other)).toBeUndefined();
  });

  it('says a record names a schema id the registry does not have: a bad record, not an outage', async () => {
    const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
    await expect(registry.schemaById(2_147_483_000)).rejects.toMatchObject({
      code: 'TRB_BAD_RECORD',
      message: `schema id 2147483000 is not in the schema registry at ${schemaRegistryUrl()}: the record was written against another registry, or its schema was deleted`,
    });
    await expect(registry.schemaById(-1)).rejects.toMatchObject({
      code: 'TRB_BAD_RECORD',
      message: 'schema id -1 cannot be in a schema registry (0 to 2^31-1)',
    });
  });

  it('passes on the refusal of a schema that breaks BACKWARD compatibility', async () => {
    const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
    const name = subject();
    await registry.register(name, order);
    const breaking = { ...order, fields: [...order.fields, { name: 'currency', type: 'string' }] };
    await expect(registry.register(name, breaking)).rejects.toMatchObject({
      code: 'TRB_SCHEMA_REGISTRY_REFUSED',
      message: expect.stringMatching(
        new RegExp(
          `^registering a schema under subject '${name}': the schema registry at .* refused it \\(409`,
        ),
      ),
    });
  });

  it('passes on the refusal of a schema that is not one', async () => {
    const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
    await expect(registry.register(subject(), '{"type": "record"')).rejects.toMatchObject({
      code: 'TRB_SCHEMA_REGISTRY_REFUSED',
      message: expect.stringMatching(/refused it \(422, error 422\d\d\)/),
    });
  });
});
