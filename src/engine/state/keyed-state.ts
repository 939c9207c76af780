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

/** What an operator that keeps one entry per key (sub 0) tells `ChangedKeys` of its state. */
export interface PerKeyState {
  /** Every key that holds state, once each. */
  keys(): Iterable<Key>;
  /** The value of a key's entry, or undefined once the key holds nothing. */
  save(key: Key): unknown;
  load(entries: readonly StateEntry[]): void;
  drop(include: (key: Key) => boolean): void;
}

/**
 * Keyed state as checkpoints see it, for an operator that keeps one entry per key (sub 0):
 * the operator marks a key whenever its state changes, and a checkpoint reads the marked keys
 * back through the operator's `save`. Marking is a set add, and nothing until checkpoints
 * begin, so that a job that never checkpoints keeps no record.
 */
export class ChangedKeys implements KeyedStateAccess {
  private changed = new Set<Key>();
  private isTracking = false;

  constructor(private readonly state: PerKeyState) {}

  /**
   * Whether keys are marked: from the first checkpoint (or restore) on. A hot loop may read it
   * once per batch and skip `mark` while it is false.
   */
  get tracking(): boolean {
    return this.isTracking;
  }

  mark(key: Key): void {
    if (this.isTracking) this.changed.add(key);
  }

  takeChanges(): StateChanges {
    if (!this.isTracking) {
      this.isTracking = true;
      return { set: this.entries(), deleted: [] };
    }
    const set: StateEntry[] = [];
    const deleted: StateEntryId[] = [];
    for (const key of this.changed) {
      const value = this.state.save(key);
      if (value === undefined) deleted.push([key, 0]);
      else set.push([key, 0, value]);
    }
    this.changed = new Set();
    return { set, deleted };
  }

  returnChanges(changes: StateChanges): void {
    this.isTracking = true;
    for (const [key] of changes.set) this.changed.add(key);
    for (const [key] of changes.deleted) this.changed.add(key);
  }

  entries(include?: (key: Key) => boolean): StateEntry[] {
    const out: StateEntry[] = [];
    for (const key of this.state.keys()) {
      if (!include || include(key)) out.push([key, 0, this.state.save(key)]);
    }
    return out;
  }

  load(entries: readonly StateEntry[]): void {
    this.state.load(entries);
    // What was loaded is stored already: only what changes from here on is new.
    this.isTracking = true;
  }

  drop(include: (key: Key) => boolean): void {
    this.state.drop(include);
    for (const key of this.changed) if (include(key)) this.changed.delete(key);
  }
}

/** Watermarks are ±Infinity before the first event and after the last; JSON cannot hold those. */
export const saveTime = (time: number): number | string => (Number.isFinite(time) ? time : String(time));
export const loadTime = (saved: number | string): number => Number(saved);
