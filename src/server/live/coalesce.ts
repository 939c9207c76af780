/** Most points one coalesced `series:` update carries; the newest are kept. */
export const MAX_COALESCED_POINTS = 10_000;

interface PointLike {
  readonly key: unknown;
  readonly start: unknown;
}

const isPointArray = (value: unknown): value is PointLike[] =>
  Array.isArray(value) &&
  (value.length === 0 || (typeof value[0] === 'object' && value[0] !== null && 'start' in value[0]));

/**
 * Folds a newer update into a pending one. Most channels carry snapshots (stats, a
 * pipeline's status), where the latest replaces the rest. `series:` updates carry the
 * points just stored; dropping a batch would drop its keys from a live chart, so batches
 * merge, and a point stored twice (allowed lateness) keeps its latest value.
 */
export const coalesce = (channel: string, pending: unknown, next: unknown): unknown => {
  if (!channel.startsWith('series:') || !isPointArray(pending) || !isPointArray(next)) return next;
  const merged = new Map<string, PointLike>();
  for (const point of pending) merged.set(`${String(point.key)}\u0000${String(point.start)}`, point);
  for (const point of next) {
    const id = `${String(point.key)}\u0000${String(point.start)}`;
    merged.delete(id); // re-inserted last, so the order stays the order of arrival
    merged.set(id, point);
  }
  const points = [...merged.values()];
  return points.length > MAX_COALESCED_POINTS ? points.slice(points.length - MAX_COALESCED_POINTS) : points;
};
