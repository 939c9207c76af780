import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelFeed } from '../../src/server/live/channel-feed.js';
import { coalesce, MAX_COALESCED_POINTS } from '../../src/server/live/coalesce.js';

/** A channel source the test drives by hand. */
const source = () => {
  const listeners = new Set<(update: unknown) => void>();
  return {
    subscribe: (listener: (update: unknown) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish: (update: unknown) => {
      for (const l of listeners) l(update);
    },
    get listeners() {
      return listeners.size;
    },
  };
};

const sink = () => {
  const frames: unknown[] = [];
  return { frames, deliver: (frame: string) => frames.push(JSON.parse(frame).data) };
};

describe('ChannelFeed', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first update at once and then at most one frame per interval, the latest', () => {
    //  time  0    100   200   250   300   500   510
    //  in    a    b     c           d
    //  out   a                c           d
    const src = source();
    const feed = new ChannelFeed('stats', src.subscribe, { minIntervalMs: 250 });
    const out = sink();
    feed.add(out);
    src.publish('a');
    vi.advanceTimersByTime(0);
    expect(out.frames).toEqual(['a']);
    vi.advanceTimersByTime(100);
    src.publish('b');
    vi.advanceTimersByTime(100);
    src.publish('c');
    vi.advanceTimersByTime(49);
    expect(out.frames).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(out.frames).toEqual(['a', 'c']);
    vi.advanceTimersByTime(50);
    src.publish('d');
    vi.advanceTimersByTime(199);
    expect(out.frames).toEqual(['a', 'c']);
    vi.advanceTimersByTime(1);
    expect(out.frames).toEqual(['a', 'c', 'd']);
  });

  it('keeps to 4 frames a second under any load, per subscription', () => {
    const src = source();
    const feed = new ChannelFeed('stats', src.subscribe, { minIntervalMs: 250 });
    const out = sink();
    feed.add(out);
    for (let ms = 0; ms < 10_000; ms++) {
      src.publish(ms);
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(250);
    expect(out.frames.length).toBeLessThanOrEqual(41);
    expect(out.frames.length).toBeGreaterThanOrEqual(40);
    expect(out.frames.at(-1)).toBe(9_999);
  });

  it('serializes once per frame for all sinks, and unsubscribes when the last one leaves', () => {
    const src = source();
    const feed = new ChannelFeed('stats', src.subscribe, { minIntervalMs: 250 });
    const [a, b] = [sink(), sink()];
    feed.add(a);
    feed.add(b);
    expect(src.listeners).toBe(1);
    const stringify = vi.spyOn(JSON, 'stringify');
    src.publish({ n: 1 });
    vi.advanceTimersByTime(0);
    expect(stringify).toHaveBeenCalledTimes(1);
    stringify.mockRestore();
    expect(a.frames).toEqual([{ n: 1 }]);
    expect(b.frames).toEqual([{ n: 1 }]);
    expect(feed.remove(a)).toBe(false);
    expect(feed.remove(b)).toBe(true);
    expect(src.listeners).toBe(0);
    src.publish({ n: 2 });
    vi.runAllTimers();
    expect(b.frames).toEqual([{ n: 1 }]);
  });

  it('skips an update that cannot be serialized and reports it', () => {
    const src = source();
    const errors: string[] = [];
    const feed = new ChannelFeed('stats', src.subscribe, {
      minIntervalMs: 250,
      onError: (_error, channel) => errors.push(channel),
    });
    const out = sink();
    feed.add(out);
    src.publish({ big: 1n });
    vi.advanceTimersByTime(0);
    expect(errors).toEqual(['stats']);
    vi.advanceTimersByTime(250);
    src.publish({ ok: true });
    vi.advanceTimersByTime(0);
    expect(out.frames).toEqual([{ ok: true }]);
  });

  it('takes an update published while subscribing', () => {
    const feed = new ChannelFeed(
      'stats',
      (listener) => {
        listener('current');
        return () => {};
      },
      { minIntervalMs: 250 },
    );
    const out = sink();
    feed.add(out);
    vi.advanceTimersByTime(0);
    expect(out.frames).toEqual(['current']);
  });
});

describe('coalesce', () => {
  const p = (key: string, start: number, v: number) => ({ key, start, end: start + 10, values: { v } });

  it('replaces snapshots with the latest', () => {
    expect(coalesce('stats', { n: 1 }, { n: 2 })).toEqual({ n: 2 });
    expect(coalesce('pipeline:x', [p('a', 0, 1)], [p('b', 0, 1)])).toEqual([p('b', 0, 1)]);
  });

  it('merges series points, the latest value of a point winning, in order of arrival', () => {
    expect(coalesce('series:s', [p('a', 0, 1), p('b', 0, 1)], [p('a', 0, 2), p('a', 10, 1)])).toEqual([
      p('b', 0, 1),
      p('a', 0, 2),
      p('a', 10, 1),
    ]);
  });

  it('keeps the newest points beyond the bound', () => {
    const many = Array.from({ length: MAX_COALESCED_POINTS }, (_, i) => p('k', i * 10, i));
    const merged = coalesce('series:s', many, [p('new', 0, 0)]) as unknown[];
    expect(merged).toHaveLength(MAX_COALESCED_POINTS);
    expect(merged.at(-1)).toEqual(p('new', 0, 0));
    expect(merged[0]).toEqual(p('k', 10, 1));
  });

  it('falls back to the latest for series updates that are not point arrays', () => {
    expect(coalesce('series:s', { a: 1 }, [p('a', 0, 1)])).toEqual([p('a', 0, 1)]);
  });
});
