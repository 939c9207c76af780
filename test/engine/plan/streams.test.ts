import { describe, expectTypeOf, it } from 'vitest';
import {
  count,
  first,
  type KeyedStream,
  pipeline,
  type Stream,
  tumbling,
  type WindowOutput,
} from '../../../src/engine/index.js';
import type { Click, Event, Purchase } from './events.js';

// The stream handles narrow their types as the chain goes on; these tests are checked by
// the compiler (expectTypeOf, @ts-expect-error) as much as run.

describe('types narrow as the pipeline grows', () => {
  it('source, map, filter with a type guard, keyBy', () => {
    const p = pipeline('types');
    const events = p.source<Event>('events');
    expectTypeOf(events).toEqualTypeOf<Stream<Event>>();
    expectTypeOf(events.map((e) => e.ts)).toEqualTypeOf<Stream<number>>();
    expectTypeOf(events.filter((e): e is Purchase => e.type === 'purchase')).toEqualTypeOf<
      Stream<Purchase>
    >();
    expectTypeOf(events.filter((e) => e.ts > 0)).toEqualTypeOf<Stream<Event>>();
    expectTypeOf(events.flatMap((e) => [e.user, e.user])).toEqualTypeOf<Stream<string>>();
    expectTypeOf(events.keyBy((e) => e.user)).toEqualTypeOf<KeyedStream<string, Event>>();
    expectTypeOf(events.keyBy((e) => e.ts)).toEqualTypeOf<KeyedStream<number, Event>>();
    expectTypeOf(events.validate<Purchase>((e) => e.type === 'purchase')).toEqualTypeOf<Stream<Purchase>>();

    // @ts-expect-error windows need a key first
    events.window;
  });

  it('a window result has the key, the bounds and one typed field per aggregator', () => {
    const p = pipeline('types');
    const clicks = p.source<Click>('clicks');
    const results = clicks
      .keyBy((c) => c.user)
      .window(tumbling('1m'))
      .aggregate({ clicks: count(), landing: first((c) => c.page) });
    results.map((r) => {
      expectTypeOf(r.key).toEqualTypeOf<string>();
      expectTypeOf(r.start).toEqualTypeOf<number>();
      expectTypeOf(r.end).toEqualTypeOf<number>();
      expectTypeOf(r.clicks).toEqualTypeOf<number>();
      expectTypeOf(r.landing).toEqualTypeOf<string | null>();
      // @ts-expect-error there is no such aggregation
      r.spend;
      return r;
    });
    expectTypeOf(results.late()).toEqualTypeOf<Stream<Click>>();
    expectTypeOf(
      clicks
        .keyBy((c) => c.user)
        .window(tumbling('1m'))
        .reduce((a) => a),
    ).toExtend<WindowOutput<{ key: string; start: number; end: number; value: Click }, Click>>();
  });

  it('branch, union, process and intervalJoin', () => {
    const p = pipeline('types');
    const clicks = p.source<Click>('clicks');
    const purchases = p.source<Purchase>('purchases');

    const branches = clicks.branch({ home: (c) => c.page === '/', cart: (c) => c.page === '/cart' });
    expectTypeOf(branches).toEqualTypeOf<Record<'home' | 'cart' | 'otherwise', Stream<Click>>>();

    expectTypeOf(clicks.union(purchases)).toEqualTypeOf<Stream<Click | Purchase>>();

    const perUser = clicks.keyBy((c) => c.user);
    expectTypeOf(perUser.process<number>({ onEvent: (_c, ctx) => ctx.emit(1) })).toEqualTypeOf<
      KeyedStream<string, number>
    >();
    const joined = perUser.intervalJoin(
      purchases.keyBy((x) => x.user),
      { lower: '-1m', upper: 0 },
      (click, purchase, user) => ({ user, page: click.page, amount: purchase.amount }),
    );
    expectTypeOf(joined).toEqualTypeOf<Stream<{ user: string; page: string; amount: number }>>();

    const byAmount = purchases.keyBy((x) => x.amount);
    // @ts-expect-error both sides of a join need the same key type
    perUser.intervalJoin(byAmount, { lower: 0, upper: 0 }, () => 1);
  });
});
