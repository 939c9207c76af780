import { describe, expect, it } from 'vitest';
import { SharedLookups } from '../../../src/formats/registry/shared-lookups.js';

/** A load the test settles by hand, counting how often it was started. */
const controlled = <V>() => {
  const calls: { resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];
  const load = () => new Promise<V>((resolve, reject) => calls.push({ resolve, reject }));
  return { calls, load };
};

describe('shared look-ups', () => {
  it('asks once for callers that want the same key at the same time, then never again', async () => {
    const lookups = new SharedLookups<number, string>(() => 0);
    const { calls, load } = controlled<string>();
    const both = Promise.all([lookups.get(1, load), lookups.get(1, load)]);
    expect(calls).toHaveLength(1);
    expect(lookups.peek(1)).toBeUndefined();
    calls[0].resolve('schema one');
    expect(await both).toEqual(['schema one', 'schema one']);
    expect(lookups.peek(1)).toBe('schema one');
    expect(await lookups.get(1, load)).toBe('schema one');
    expect(calls).toHaveLength(1);
  });

  it('forgets an outage at once, so that the next call asks again', async () => {
    const lookups = new SharedLookups<number, string>(() => 0);
    const { calls, load } = controlled<string>();
    const first = lookups.get(1, load);
    calls[0].reject(new Error('connection refused'));
    await expect(first).rejects.toThrow('connection refused');
    const second = lookups.get(1, load);
    expect(calls).toHaveLength(2);
    calls[1].resolve('back');
    expect(await second).toBe('back');
  });

  it('gives a remembered failure back until it expires, then asks again', async () => {
    const lookups = new SharedLookups<number, string>(() => 60_000);
    const { calls, load } = controlled<string>();
    const first = lookups.get(7, load);
    calls[0].reject(new Error('not found'));
    await expect(first).rejects.toThrow('not found');
    await expect(lookups.get(7, load)).rejects.toThrow('not found');
    expect(calls).toHaveLength(1);
    // A minute later by the caller's clock.
    void lookups.get(7, load, Date.now() + 60_001);
    expect(calls).toHaveLength(2);
  });

  it('keeps at most so many failures: a flood of bad keys cannot grow memory', async () => {
    const lookups = new SharedLookups<number, string>(() => 60_000, 3);
    const { calls, load } = controlled<string>();
    for (let key = 0; key < 4; key++) {
      const asked = lookups.get(key, load);
      calls[key].reject(new Error(`bad ${key}`));
      await expect(asked).rejects.toThrow();
    }
    // The fourth failure cleared the first three: key 0 is asked again, key 3 is not.
    void lookups.get(0, load).catch(() => {});
    expect(calls).toHaveLength(5);
    await expect(lookups.get(3, load)).rejects.toThrow('bad 3');
    expect(calls).toHaveLength(5);
  });
});
