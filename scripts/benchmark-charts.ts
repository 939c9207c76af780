/**
 * The charts of docs/benchmarks.md, drawn from benchmark output: SVG bar charts, one per
 * table, written beside the page. Input: the JSON lines `npm run bench` prints (a file,
 * or several), of which the `nexmark` and `kafka-throughput` lines are used.
 *
 *   npm run bench -- nexmark kafka-throughput | tee docs/benchmarks/results.jsonl
 *   node dist/scripts/benchmark-charts.js docs/benchmarks/results.jsonl
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Series {
  readonly name: string;
  readonly color: string;
  /** Per category; undefined where there is no figure. */
  readonly values: readonly (number | undefined)[];
}

interface BarChart {
  readonly title: string;
  readonly unit: string;
  readonly categories: readonly string[];
  readonly series: readonly Series[];
  /** Logarithmic value axis, for figures that span orders of magnitude. */
  readonly log: boolean;
}

const WIDTH = 900;
const HEIGHT = 420;
const MARGIN = { top: 48, right: 16, bottom: 64, left: 72 };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value`: an axis top whose fifths read well. */
const niceCeiling = (value: number): number => {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((top) => top >= value)!;
};

const formatValue = (value: number): string =>
  value >= 1e6
    ? `${+(value / 1e6).toFixed(1)} M`
    : value >= 1e3
      ? `${+(value / 1e3).toFixed(0)} K`
      : `${value}`;

/** An SVG grouped bar chart: categories along x, one bar per series in each. */
export const barChart = (chart: BarChart): string => {
  const values = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && v > 0));
  const max = Math.max(...values);
  const min = chart.log ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 0;
  const top = chart.log ? 10 ** Math.ceil(Math.log10(max)) : niceCeiling(max * 1.05);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (v: number): number =>
    MARGIN.top +
    plotH -
    (chart.log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(top) - Math.log10(min)) : v / top) * plotH;
  const ticks = chart.log
    ? Array.from({ length: Math.round(Math.log10(top / min)) + 1 }, (_, i) => min * 10 ** i)
    : Array.from({ length: 6 }, (_, i) => (top / 5) * i);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ${FONT}>`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="16" font-weight="600" fill="#111">${escapeXml(chart.title)}</text>`,
    `<text x="${MARGIN.left}" y="40" font-size="12" fill="#555">${escapeXml(chart.unit)}${chart.log ? ' (log scale)' : ''}</text>`,
  ];
  for (const tick of ticks) {
    const ty = y(Math.max(tick, chart.log ? min : 0));
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${ty + 4}" font-size="11" text-anchor="end" fill="#555">${formatValue(tick)}</text>`,
    );
  }
  const groupW = plotW / chart.categories.length;
  const barW = (groupW * 0.8) / chart.series.length;
  chart.categories.forEach((category, c) => {
    const x0 = MARGIN.left + c * groupW + groupW * 0.1;
    chart.series.forEach((series, s) => {
      const value = series.values[c];
      if (value === undefined || value <= 0) return;
      const by = y(value);
      parts.push(
        `<rect x="${(x0 + s * barW).toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(MARGIN.top + plotH - by).toFixed(1)}" fill="${series.color}"><title>${escapeXml(`${series.name}, ${category}: ${formatValue(value)}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${x0 + groupW * 0.4}" y="${MARGIN.top + plotH + 18}" font-size="12" text-anchor="middle" fill="#111">${escapeXml(category)}</text>`,
    );
  });
  let lx = MARGIN.left;
  for (const series of chart.series) {
    parts.push(
      `<rect x="${lx}" y="${HEIGHT - 22}" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${lx + 16}" y="${HEIGHT - 12}" font-size="12" fill="#111">${escapeXml(series.name)}</text>`,
    );
    lx += 24 + series.name.length * 7;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
};

type Line = Record<string, any>;

const readLines = (files: readonly string[]): Line[] =>
  files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as Line),
  );

const COLORS = {
  flink: '#e6804d',
  risingWave: '#4d7fe6',
  feldera: '#8a63d2',
  memory: '#1a9e6e',
  kafka: '#6cc9a6',
};

/** The Nexmark chart: the published figures per core and Tributary's, per query. */
export const nexmarkChart = (lines: readonly Line[]): string | undefined => {
  const nexmark = lines.filter((l) => l.benchmark === 'nexmark' && l.published);
  if (nexmark.length === 0) return undefined;
  const queries = [...new Set(nexmark.map((l) => l.query as string))];
  const of = (mode: string) =>
    queries.map((q) => nexmark.find((l) => l.query === q && l.mode === mode)?.eventsPerSecPerCore);
  const published = (field: 'flink' | 'risingWave' | 'feldera') =>
    queries.map((q) => nexmark.find((l) => l.query === q)?.published[field] as number | undefined);
  return barChart({
    title: 'Nexmark: events per second per core',
    unit: 'events/s per core',
    categories: queries,
    log: true,
    series: [
      { name: 'Flink 1.13', color: COLORS.flink, values: published('flink') },
      { name: 'RisingWave', color: COLORS.risingWave, values: published('risingWave') },
      { name: 'Feldera', color: COLORS.feldera, values: published('feldera') },
      { name: 'Tributary, in memory', color: COLORS.memory, values: of('memory') },
      { name: 'Tributary, from Kafka', color: COLORS.kafka, values: of('kafka') },
    ],
  });
};

/** The contenders of `kafka-throughput` the chart shows, by their field of its line. */
const KAFKA_CONTENDERS: Record<string, string> = {
  ceiling: 'Kafka ceiling',
  tributaryAtLeastOnce: 'Tributary ALO',
  tributaryExactlyOnce: 'Tributary EO',
  kafkaStreamsAtLeastOnce: 'Kafka Streams ALO',
  kafkaStreamsExactlyOnce: 'Kafka Streams EOv2',
  naivePython: 'Python loop',
};

/** The Kafka job chart: events/s of each contender of `kafka-throughput`. */
export const kafkaChart = (lines: readonly Line[]): string | undefined => {
  const line = lines.find((l) => l.benchmark === 'kafka-throughput');
  if (!line) return undefined;
  // Each contender is a field of the line holding its figures; the client-only runs are diagnostics.
  const contenders = Object.entries(KAFKA_CONTENDERS).flatMap(([field, label]) => {
    const figures = line[field] as { eventsPerSec?: number } | undefined;
    return typeof figures?.eventsPerSec === 'number' ? [[label, figures.eventsPerSec] as const] : [];
  });
  return barChart({
    title: 'JSON clicks from Kafka → 10 s tumbling count per user',
    unit: 'events/s, same broker, same topic, same run',
    categories: contenders.map(([label]) => label),
    log: false,
    series: [{ name: 'events/s', color: COLORS.memory, values: contenders.map(([, rate]) => rate) }],
  });
};

const main = (): void => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: benchmark-charts <results.jsonl>…  (JSON lines of npm run bench)\n');
    process.exit(2);
  }
  const lines = readLines(files);
  const out = dirname(files[0]);
  for (const [name, svg] of [
    ['nexmark.svg', nexmarkChart(lines)],
    ['kafka-job.svg', kafkaChart(lines)],
  ] as const) {
    if (!svg) continue;
    writeFileSync(join(out, name), svg);
    process.stderr.write(`wrote ${join(out, name)}\n`);
  }
};

if (import.meta.url === `file://${process.argv[1]}`) main();
