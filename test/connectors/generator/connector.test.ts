import { describe, expect, it } from 'vitest';
import { generatorConnector } from '../../../src/connectors/generator/connector.js';
import type { EventGenerator, GeneratorCatalogue } from '../../../src/connectors/generator/index.js';
import { nowhere, resolveBlock } from '../helpers.js';

const counter = (): EventGenerator => {
  let n = 0;
  return { name: 'counter', next: () => ({ value: { n: n++ } }), malformed: () => ({ value: null }) };
};
const generators: GeneratorCatalogue = new Map([
  ['counter', counter],
  ['clicks', counter],
]);

describe('the generator connector', () => {
  it('runs 100 events a second unless told otherwise', () => {
    expect(
      resolveBlock(generatorConnector, { type: 'generator', generator: 'counter' }, { generators }),
    ).toEqual({
      settings: { type: 'generator', generator: 'counter', rate: 100 },
      problems: [],
    });
  });

  it('checks the name against the catalogue it is given, with a did-you-mean or the list', () => {
    const near = resolveBlock(generatorConnector, { type: 'generator', generator: 'click' }, { generators });
    expect(near.problems).toEqual(['generator: "click" is not a valid value; did you mean "clicks"?']);
    const far = resolveBlock(
      generatorConnector,
      { type: 'generator', generator: 'stock-ticks' },
      { generators },
    );
    expect(far.problems).toEqual([
      'generator: "stock-ticks" is not a valid value; use one of: counter, clicks',
    ]);
  });

  it('does not check names without a catalogue: where the file is read only for its pipelines', () => {
    expect(resolveBlock(generatorConnector, { type: 'generator', generator: 'anything' }).problems).toEqual(
      [],
    );
  });

  it('makes the ingestor from the catalogue, and refuses a name the platform was not given', async () => {
    const settings = { type: 'generator', generator: 'counter', rate: 10 } as const;
    const ingestor = await generatorConnector.create('gen', settings, nowhere, {
      dataDir: '/tmp',
      generators,
    });
    expect(ingestor?.name).toBe('gen');
    await expect(generatorConnector.create('gen', settings, nowhere, { dataDir: '/tmp' })).rejects.toThrow(
      expect.objectContaining({
        code: 'TRB_INGEST_BAD_CONFIG',
        message: expect.stringContaining(
          'sources.gen.generator: "counter" is not a generator the platform was given',
        ),
      }),
    );
  });
});
