import { formatNumber, formatTime } from '../lib/format';
import type { ChartOption } from './echarts';

export type Point = [number, number | null];

export interface LineSpec {
  readonly name: string;
  readonly data: Point[];
  readonly color?: string;
  /** Fill under the line. */
  readonly area?: boolean;
  readonly dashed?: boolean;
}

export interface TimeChartSpec {
  readonly lines: readonly LineSpec[];
  /** x-axis span: [end - windowMs, end]. */
  readonly windowMs: number;
  readonly end: number;
  readonly unit?: string;
  readonly format?: (value: number) => string;
  readonly legend?: boolean;
  readonly kind?: 'line' | 'bar';
  readonly min?: number;
  /** Fit the y-axis to the data instead of starting at 0 (prices, temperatures). */
  readonly scale?: boolean;
  /** Mark each point: for sparse lines, where a lone point would otherwise not show. */
  readonly symbols?: boolean;
}

const gradient = (color: string) => ({
  type: 'linear' as const,
  x: 0,
  y: 0,
  x2: 0,
  y2: 1,
  colorStops: [
    { offset: 0, color: `${color}55` },
    { offset: 1, color: `${color}00` },
  ],
});

/** A live time-series chart sliding over the last `windowMs`. */
export const timeChart = (spec: TimeChartSpec): ChartOption => {
  const format = spec.format ?? ((v: number) => `${formatNumber(v)}${spec.unit ? ` ${spec.unit}` : ''}`);
  const kind = spec.kind ?? 'line';
  return {
    animationDurationUpdate: 400,
    animationEasingUpdate: 'linear',
    grid: { left: 8, right: 16, top: spec.legend === false ? 16 : 36, bottom: 8, containLabel: true },
    legend:
      spec.legend === false
        ? { show: false }
        : { top: 0, right: 8, icon: 'roundRect', itemWidth: 12, itemHeight: 4 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'line', lineStyle: { type: 'dashed', opacity: 0.6 } },
      valueFormatter: (value) => (typeof value === 'number' ? format(value) : '—'),
    },
    xAxis: {
      type: 'time',
      min: spec.end - spec.windowMs,
      max: spec.end,
      splitNumber: 5,
      axisLabel: { formatter: (value: number) => formatTime(value), hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      scale: spec.scale ?? false,
      min: spec.scale ? undefined : (spec.min ?? 0),
      splitNumber: 4,
      axisLabel: { formatter: (value: number) => format(value) },
    },
    series: spec.lines.map((line) =>
      kind === 'bar'
        ? {
            type: 'bar' as const,
            name: line.name,
            data: line.data,
            itemStyle: line.color
              ? { color: line.color, borderRadius: [2, 2, 0, 0] }
              : { borderRadius: [2, 2, 0, 0] },
            barMaxWidth: 18,
          }
        : {
            type: 'line' as const,
            name: line.name,
            data: line.data,
            showSymbol: spec.symbols ?? false,
            symbol: 'circle',
            symbolSize: 5,
            connectNulls: false,
            lineStyle: {
              width: 2,
              type: line.dashed ? ('dashed' as const) : ('solid' as const),
              color: line.color,
            },
            itemStyle: line.color ? { color: line.color } : undefined,
            areaStyle: line.area && line.color ? { color: gradient(line.color) } : undefined,
            emphasis: { disabled: true },
          },
    ),
  };
};
