import type { StateEntry } from '../state/keyed-state.js';
import type { WindowAccumulators } from './window-accumulators.js';

/**
 * The accumulators of a window operator that changed since the last checkpoint. A key's
 * `rounds` entry in its window says whether it is listed in this round, so a record costs a
 * comparison, not a set operation, and a key is listed once however often it changes.
 */
export class WindowChanges {
  /**
   * The checkpoint round. 0 until checkpoints begin (the first takes every entry), so that a
   * job that never checkpoints tracks nothing.
   */
  round = 0;
  private windows: WindowAccumulators[] = [];
  private positions: number[] = [];

  /** Lists the key at `at` of `window` as changed in this round (once checkpoints began). */
  mark(window: WindowAccumulators, at: number): void {
    if (this.round === 0 || window.rounds[at] === this.round) return;
    window.rounds[at] = this.round;
    this.list(window, at);
  }

  /** Lists a key marked already, now at `at` of `window` (its window was rebuilt). */
  list(window: WindowAccumulators, at: number): void {
    this.windows.push(window);
    this.positions.push(at);
  }

  /**
   * The entries changed in this round, as they are now, each once; starts the next round.
   * Skipped: keys of windows no longer `held` (purged, or rebuilt without them), and
   * accumulators replaced by a restore since (their round is reset).
   */
  take(held: (window: WindowAccumulators) => boolean, save: (acc: unknown) => unknown): StateEntry[] {
    const { windows, positions, round } = this;
    const set: StateEntry[] = [];
    for (let n = 0; n < windows.length; n++) {
      const window = windows[n];
      const at = positions[n];
      if (window.rounds[at] !== round || !held(window)) continue;
      // Listed twice (replaced, then changed again): written once.
      window.rounds[at] = 0;
      set.push([window.keys[at], window.start, [window.orders[at], save(window.accs[at])]]);
    }
    this.windows = [];
    this.positions = [];
    this.round++;
    return set;
  }
}
