import { describe, expect, it } from 'vitest';
import { count, pipeline, tumbling } from '../../src/engine/index.js';
import { sinkSpecsOf, storeSeriesOf } from '../../src/runtime/pipeline-sinks.js';

const perUser = (sink: string) =>
  pipeline(`per-user-${sink}`)
    .source<{ user: string; ts: number }>('clicks', { time: (c) => c.ts })
    .keyBy((c) => c.user)
    .window(tumbling('10s'))
    .aggregate({ clicks: count() })
    .sink(sink)
    .build();

describe('the sinks of pipelines', () => {
  it('are as declared, or a store series of the sink name', () => {
    const declared = { out: { type: 'log', topic: 'out', format: 'json' } } as const;
    expect(sinkSpecsOf(perUser('out'), declared)).toEqual({ out: declared.out });
    expect(sinkSpecsOf(perUser('clicks-per-user'), declared)).toEqual({
      'clicks-per-user': { type: 'store', series: 'clicks-per-user' },
    });
  });

  it('give the store series the pipelines write, once each, declared or not', () => {
    const declared = {
      renamed: { type: 'store', series: 'stored-as' },
      out: { type: 'log', topic: 'out', format: 'json' },
    } as const;
    const plans = [perUser('renamed'), perUser('out'), perUser('plain'), perUser('plain')];
    expect(storeSeriesOf(plans, declared)).toEqual(['plain', 'stored-as']);
  });
});
