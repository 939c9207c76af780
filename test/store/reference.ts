import type { Aggregation, SeriesPoint } from '../../src/contract/index.js';
import type { ResultRecord } from '../../src/store/index.js';

/**
 * What a bucketed query should return, computed the plain way: results grouped by key and
 * bucket `floor(start / step) * step`, each numeric field combined by `agg`.
 */
export const bucketReference = (
  results: readonly ResultRecord[],
  step: number,
  agg: Aggregation,
): SeriesPoint[] => {
  const groups = new Map<string, { key: string; start: number; rows: ResultRecord[] }>();
  for (const r of results) {
    const start = Math.floor(r.start / step) * step;
    const id = `${start}|${String(r.key)}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { key: String(r.key), start, rows: [] }));
    group.rows.push(r);
  }
  const points = [...groups.values()].map(({ key, start, rows }) => {
    const values: Record<string, number> = {};
    const names = new Set(rows.flatMap((r) => Object.keys(r).filter((n) => typeof r[n] === 'number')));
    for (const name of ['key', 'start', 'end']) names.delete(name);
    for (const name of names) {
      const having = rows.filter((r) => typeof r[name] === 'number');
      const numbers = having.map((r) => r[name] as number);
      const latest = having.reduce((a, b) =>
        b.start > a.start || (b.start === a.start && b.end > a.end) ? b : a,
      );
      values[name] = {
        avg: numbers.reduce((a, b) => a + b, 0) / numbers.length,
        sum: numbers.reduce((a, b) => a + b, 0),
        min: Math.min(...numbers),
        max: Math.max(...numbers),
        count: numbers.length,
        last: latest[name] as number,
      }[agg];
    }
    return { key, start, end: start + step, values };
  });
  return points.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
};
