import type { Key } from '../batch.js';

/**
 * One window's accumulators, in columns: a key's position (the order it joined the window
 * in, which is the order results fire in) indexes its accumulator, its order among every
 * key that joined any window, and the checkpoint round in which it last changed
 * (`WindowChanges`).
 *
 * A record costs one map lookup, which yields a small integer, and a read of a dense array:
 * an object per key and window would add a load from anywhere in the heap for every record.
 */
export class WindowAccumulators {
  private readonly positions = new Map<Key, number>();
  readonly keys: Key[] = [];
  readonly accs: unknown[] = [];
  readonly orders: number[] = [];
  /** The round each key last changed in; 0: not since the last checkpoint. */
  readonly rounds: number[] = [];

  constructor(readonly start: number) {}

  /** The key's position; undefined when it has not joined the window. */
  positionOf(key: Key): number | undefined {
    return this.positions.get(key);
  }

  /** Adds a key that has not joined the window yet; returns its position. */
  join(key: Key, acc: unknown, order: number, round: number): number {
    const at = this.keys.length;
    this.positions.set(key, at);
    this.keys.push(key);
    this.accs.push(acc);
    this.orders.push(order);
    this.rounds.push(round);
    return at;
  }
}
