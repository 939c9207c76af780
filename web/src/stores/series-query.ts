import { computed, onScopeDispose, type Ref, shallowRef, watch } from 'vue';
import type { Aggregation, SeriesPoint } from '../../../src/contract/index.js';
import { ApiError, api } from '../api/client';
import type { Point } from '../charts/options';
import { useChannel, useReconnect } from '../live/live';

/** What to show of a stored series. */
export interface SeriesSelection {
  readonly name: string;
  /** The value field to plot; null picks the first numeric one. */
  readonly field: string | null;
  /** Keys to plot; null picks the `topN` keys with the largest total of the field over the range. */
  readonly keys: readonly string[] | null;
  readonly topN: number;
  /** The range ends now and slides with it. */
  readonly rangeMs: number;
  /** Bucket size in ms, or null for the stored windows as they are. */
  readonly step: number | null;
  readonly agg: Aggregation;
  /** Follow `series:<name>` and merge what is stored as it is stored. */
  readonly live: boolean;
}

export interface KeyTotal {
  readonly key: string;
  readonly total: number;
}

/** The API answers at most this many points per query (its default limit). */
const POINT_LIMIT = 10_000;
/** Keys are ranked by their total over this much of the latest data (see `load`). */
const RANK_WINDOW_MS = 2 * 60_000;
/** Live points within a step are folded into re-read buckets at most this often. */
const REFETCH_DELAY_MS = 1000;

const numeric = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const sortedFields = (points: readonly SeriesPoint[]): string[] => {
  const fields = new Set<string>();
  for (const point of points.slice(0, 500)) {
    for (const [field, value] of Object.entries(point.values)) if (numeric(value) !== null) fields.add(field);
  }
  return [...fields].sort();
};

/**
 * A stored series as chart lines: loaded over REST for the range, then (when `live`) kept
 * current from `series:<name>`. Points live in a map by key and window start, so a result
 * stored again (allowed lateness) replaces its point; points that slide out of the range
 * are dropped, so memory stays bounded by the range, not by how long the page is open.
 */
export const useSeriesQuery = (selection: Ref<SeriesSelection | null>, now: Ref<number>) => {
  const loading = shallowRef(false);
  const error = shallowRef<ApiError | null>(null);
  const keyTotals = shallowRef<readonly KeyTotal[]>([]);
  /** The span the key totals cover. */
  const rankedOverMs = shallowRef(RANK_WINDOW_MS);
  const fields = shallowRef<readonly string[]>([]);
  const shownKeys = shallowRef<readonly string[]>([]);
  const field = shallowRef<string | null>(null);
  const truncated = shallowRef(false);
  const version = shallowRef(0);
  const lastLiveAt = shallowRef<number | null>(null);
  /** Where the range ends: now while following live results, else when it was read. */
  const loadedTo = shallowRef(Date.now());
  const end = computed(() => (selection.value?.live ? now.value : loadedTo.value));

  const points = new Map<string, Map<number, SeriesPoint>>();
  let generation = 0;
  let refetchTimer: ReturnType<typeof setTimeout> | undefined;
  let dirty: { min: number; max: number } | null = null;

  const upsert = (list: readonly SeriesPoint[]) => {
    for (const point of list) {
      let byStart = points.get(point.key);
      if (!byStart) {
        byStart = new Map();
        points.set(point.key, byStart);
      }
      byStart.set(point.start, point);
    }
  };

  const prune = (from: number) => {
    for (const byStart of points.values()) {
      for (const start of byStart.keys()) if (start < from) byStart.delete(start);
    }
  };

  const load = async () => {
    const sel = selection.value;
    const mine = ++generation;
    clearTimeout(refetchTimer);
    dirty = null;
    points.clear();
    version.value++;
    if (!sel) return;
    loading.value = true;
    error.value = null;
    const to = Date.now();
    const from = to - sel.rangeMs;
    loadedTo.value = to;
    try {
      // One bucket per key gives every key and its total in one small answer. The store
      // aggregates every row it reads, so keys are ranked over the last minutes first, and
      // over the whole range only when those hold too few keys (a sparse series).
      const rankOver = async (span: number) =>
        api.series(sel.name, { from: to - span, to, step: span, agg: 'sum', limit: POINT_LIMIT });
      let span = Math.min(sel.rangeMs, RANK_WINDOW_MS);
      let totals = await rankOver(span);
      if (mine !== generation) return;
      if (span < sel.rangeMs && new Set(totals.points.map((p) => p.key)).size < sel.topN) {
        span = sel.rangeMs;
        totals = await rankOver(span);
        if (mine !== generation) return;
      }
      rankedOverMs.value = span;
      const discovered = sortedFields(totals.points);
      const chosenField =
        sel.field !== null && discovered.includes(sel.field) ? sel.field : (discovered[0] ?? null);
      const sums = new Map<string, number>();
      for (const point of totals.points) {
        const value = chosenField === null ? 0 : (numeric(point.values[chosenField]) ?? 0);
        sums.set(point.key, (sums.get(point.key) ?? 0) + Math.abs(value));
      }
      const ranked = [...sums.entries()]
        .map(([key, total]) => ({ key, total }))
        .sort((a, b) => b.total - a.total);
      const keys = sel.keys ?? ranked.slice(0, sel.topN).map((k) => k.key);
      fields.value =
        sel.field !== null && !discovered.includes(sel.field) ? [...discovered, sel.field] : discovered;
      field.value = sel.field ?? chosenField;
      keyTotals.value = ranked;
      shownKeys.value = keys;
      if (keys.length === 0) {
        truncated.value = false;
        return;
      }
      const result = await api.series(sel.name, {
        from,
        to,
        step: sel.step ?? undefined,
        agg: sel.agg,
        keys,
        limit: POINT_LIMIT,
      });
      if (mine !== generation) return;
      truncated.value = result.points.length >= POINT_LIMIT;
      upsert(result.points);
    } catch (e) {
      if (mine !== generation) return;
      error.value = e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e));
    } finally {
      if (mine === generation) {
        loading.value = false;
        version.value++;
      }
    }
  };

  /** Re-reads the buckets that live points fell into: the server aggregates them, not the page. */
  const refetchDirty = async () => {
    const sel = selection.value;
    const span = dirty;
    dirty = null;
    if (!sel || sel.step === null || !span) return;
    const mine = generation;
    const from = Math.floor(span.min / sel.step) * sel.step;
    const to = Math.floor(span.max / sel.step) * sel.step + sel.step;
    try {
      const result = await api.series(sel.name, {
        from,
        to,
        step: sel.step,
        agg: sel.agg,
        keys: shownKeys.value,
        limit: POINT_LIMIT,
      });
      if (mine !== generation) return;
      upsert(result.points);
      prune(Date.now() - sel.rangeMs);
      version.value++;
    } catch {
      // The next live batch or a reconnection tries again.
    }
  };

  const onLive = (data: unknown) => {
    const sel = selection.value;
    if (!sel || loading.value || !Array.isArray(data)) return;
    // A series appears with its first stored result: the first live batch is the cue to read it.
    if (error.value?.status === 404 || (shownKeys.value.length === 0 && sel.keys === null)) {
      void load();
      return;
    }
    const shown = new Set(shownKeys.value);
    const mine = (data as SeriesPoint[]).filter((p) => shown.has(p.key));
    if (mine.length === 0) return;
    lastLiveAt.value = Date.now();
    if (sel.step === null) {
      upsert(mine);
      prune(Date.now() - sel.rangeMs);
      version.value++;
      return;
    }
    for (const point of mine) {
      dirty = dirty
        ? { min: Math.min(dirty.min, point.start), max: Math.max(dirty.max, point.start) }
        : { min: point.start, max: point.start };
    }
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => void refetchDirty(), REFETCH_DELAY_MS);
  };

  watch(selection, () => void load(), { immediate: true });
  useChannel(
    computed(() => (selection.value?.live ? `series:${selection.value.name}` : null)),
    onLive,
  );
  // What was stored while the connection was down comes back over REST.
  useReconnect(() => {
    if (selection.value?.live) void load();
  });
  onScopeDispose(() => {
    generation++;
    clearTimeout(refetchTimer);
    points.clear();
  });

  /** One line per shown key: [window start, value of the field], oldest first, within the range. */
  const lines = computed(() => {
    void version.value;
    const sel = selection.value;
    const f = field.value;
    if (!sel || f === null) return [];
    const from = end.value - sel.rangeMs;
    return shownKeys.value.map((key) => {
      const byStart = points.get(key);
      const kept: SeriesPoint[] = [];
      if (byStart) {
        for (const point of byStart.values()) if (point.start >= from) kept.push(point);
        kept.sort((a, b) => a.start - b.start);
      }
      // A missing window is a gap in the line, not a straight bridge over it.
      const data: Point[] = [];
      kept.forEach((point, i) => {
        const previous = kept[i - 1];
        if (previous && point.start - previous.start > 1.5 * Math.max(1, previous.end - previous.start)) {
          data.push([previous.end, null]);
        }
        data.push([point.start, numeric(point.values[f])]);
      });
      return { key, data };
    });
  });

  const pointCount = computed(() =>
    lines.value.reduce((n, line) => n + line.data.filter((p) => p[1] !== null).length, 0),
  );

  /** The newest point of each shown key, for a table of latest values. */
  const latest = computed(() => {
    void version.value;
    return shownKeys.value
      .map((key) => {
        let newest: SeriesPoint | undefined;
        for (const point of points.get(key)?.values() ?? []) {
          if (!newest || point.start > newest.start) newest = point;
        }
        return newest;
      })
      .filter((p): p is SeriesPoint => p !== undefined);
  });

  return {
    loading,
    error,
    keyTotals,
    rankedOverMs,
    fields,
    shownKeys,
    field,
    truncated,
    lines,
    latest,
    pointCount,
    lastLiveAt,
    end,
    reload: load,
  };
};
