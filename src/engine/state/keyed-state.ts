import type { Key } from '../batch.js';

/**
 * Checkpoint form of a keyed map. Entries keep the key's own type (a number key stays a
 * number), which an object keyed by strings would lose.
 */
export type SavedEntries<V> = [Key, V][];

export const saveEntries = <V, S>(map: Map<Key, V>, save: (value: V) => S): SavedEntries<S> => {
  const out: SavedEntries<S> = [];
  for (const [key, value] of map) out.push([key, save(value)]);
  return out;
};

export const loadEntries = <S, V>(entries: SavedEntries<S>, load: (saved: S) => V): Map<Key, V> => {
  const map = new Map<Key, V>();
  for (const [key, saved] of entries) map.set(key, load(saved));
  return map;
};

/** Watermarks are ±Infinity before the first event and after the last; JSON cannot hold those. */
export const saveTime = (time: number): number | string => (Number.isFinite(time) ? time : String(time));
export const loadTime = (saved: number | string): number => Number(saved);
