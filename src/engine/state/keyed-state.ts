import type { Key } from '../batch.js';

/**
 * Keyed state as checkpoints see it: entries, each belonging to one key. A checkpoint
 * writes the entries that changed since the last one, grouped by the key's key group, and a
 * partition that moves takes the entries of its keys along. Operators keep whatever
 * structure is fastest for them and translate at these edges only.
 */

/**
 * One piece of keyed state: its key, which piece it is under that key (a window's start; 0
 * when a key has one piece), and its JSON-safe value.
 */
export type StateEntry = readonly [key: Key, sub: number, value: unknown];

/** An entry that no longer exists. */
export type StateEntryId = readonly [key: Key, sub: number];

/** Keyed state changed since the last checkpoint was taken. */
export interface StateChanges {
  readonly set: StateEntry[];
  readonly deleted: StateEntryId[];
}

/** How an operator's keyed state takes part in checkpoints. */
export interface KeyedStateAccess {
  /**
   * Entries set or deleted since the last call, as they are now; starts the next round. The
   * first call on an operator that was not restored returns every entry: changes are
   * tracked only once checkpoints begin, so a job that never checkpoints keeps no record.
   */
  takeChanges(): StateChanges;
  /** The checkpoint that held `changes` was not written: they count as changed again. */
  returnChanges(changes: StateChanges): void;
  /** Every entry (of the keys `include` selects), for a full snapshot. */
  entries(include?: (key: Key) => boolean): StateEntry[];
  /**
   * Adds restored entries; one for a (key, sub) already held replaces it. Call after the
   * operator-wide state is loaded: an operator may drop entries it would have purged by then.
   */
  load(entries: readonly StateEntry[]): void;
  /** Forgets every key `include` selects: their partition now belongs to another task. */
  drop(include: (key: Key) => boolean): void;
}

/**
 * The changed keys of an operator that keeps one entry per key (sub 0): a set, read back
 * through the operator's own lookup when a checkpoint is taken.
 */
export class ChangedKeys {
  private keys = new Set<Key>();
  private tracking = false;

  mark(key: Key): void {
    if (this.tracking) this.keys.add(key);
  }

  /**
   * Entries of the changed keys: `read` gives the saved value, or undefined for a key now
   * gone. The first call returns `everything()` instead, and starts tracking.
   */
  take(read: (key: Key) => unknown, everything: () => StateEntry[]): StateChanges {
    if (!this.tracking) {
      this.tracking = true;
      return { set: everything(), deleted: [] };
    }
    const set: StateEntry[] = [];
    const deleted: StateEntryId[] = [];
    for (const key of this.keys) {
      const value = read(key);
      if (value === undefined) deleted.push([key, 0]);
      else set.push([key, 0, value]);
    }
    this.keys = new Set();
    return { set, deleted };
  }

  /** After a restore: what was loaded is stored already; track changes from here on. */
  start(): void {
    this.tracking = true;
  }

  giveBack(changes: StateChanges): void {
    this.tracking = true;
    for (const [key] of changes.set) this.keys.add(key);
    for (const [key] of changes.deleted) this.keys.add(key);
  }

  /** Stops tracking keys `include` selects (they were dropped). */
  forget(include: (key: Key) => boolean): void {
    for (const key of this.keys) if (include(key)) this.keys.delete(key);
  }
}

/** Watermarks are ±Infinity before the first event and after the last; JSON cannot hold those. */
export const saveTime = (time: number): number | string => (Number.isFinite(time) ? time : String(time));
export const loadTime = (saved: number | string): number => Number(saved);
