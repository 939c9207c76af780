import type {
  BarSeriesOption,
  GraphSeriesOption,
  GridComponentOption,
  LegendComponentOption,
  LineSeriesOption,
  TooltipComponentOption,
} from 'echarts';
import { BarChart, GraphChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type { ComposeOption, EChartsType } from 'echarts/core';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { Theme } from '../lib/theme';

// Only what the dashboard draws: three chart types, four components, the canvas renderer.
echarts.use([
  LineChart,
  BarChart,
  GraphChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  CanvasRenderer,
]);

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | GraphSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
>;

export { echarts };

export const FONT =
  'Inter, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", "DejaVu Sans", Arial, sans-serif';

export interface ChartColors {
  readonly series: readonly string[];
  readonly text: string;
  readonly textDim: string;
  readonly axis: string;
  readonly grid: string;
  readonly tooltip: string;
  readonly border: string;
  readonly panel: string;
}

/** Kept in step with the CSS variables of styles.css. */
export const COLORS: Record<Theme, ChartColors> = {
  dark: {
    series: ['#38bdf8', '#a78bfa', '#34d399', '#fbbf24', '#fb7185', '#f472b6', '#22d3ee', '#fb923c'],
    text: '#e2e8f0',
    textDim: '#8b9bb8',
    axis: '#334155',
    grid: 'rgba(148, 163, 184, 0.10)',
    tooltip: 'rgba(15, 23, 42, 0.96)',
    border: '#2a3754',
    panel: '#121a2e',
  },
  light: {
    series: ['#0284c7', '#7c3aed', '#059669', '#d97706', '#e11d48', '#db2777', '#0891b2', '#ea580c'],
    text: '#0f172a',
    textDim: '#64748b',
    axis: '#cbd5e1',
    grid: 'rgba(100, 116, 139, 0.14)',
    tooltip: 'rgba(255, 255, 255, 0.98)',
    border: '#e2e8f0',
    panel: '#ffffff',
  },
};

const axis = (c: ChartColors) => ({
  axisLine: { show: true, lineStyle: { color: c.axis } },
  axisTick: { show: false },
  axisLabel: { color: c.textDim, fontSize: 11 },
  splitLine: { show: true, lineStyle: { color: c.grid } },
  splitArea: { show: false },
  nameTextStyle: { color: c.textDim },
});

const themeOf = (c: ChartColors) => ({
  color: [...c.series],
  backgroundColor: 'transparent',
  textStyle: { color: c.text, fontFamily: FONT },
  legend: { textStyle: { color: c.textDim, fontSize: 12 }, inactiveColor: c.axis },
  tooltip: {
    backgroundColor: c.tooltip,
    borderColor: c.border,
    borderWidth: 1,
    textStyle: { color: c.text, fontSize: 12 },
    extraCssText: 'box-shadow: 0 8px 24px rgba(0,0,0,0.25); border-radius: 8px;',
  },
  timeAxis: axis(c),
  valueAxis: axis(c),
  categoryAxis: { ...axis(c), splitLine: { show: false } },
  line: { symbol: 'none', lineStyle: { width: 2 } },
});

echarts.registerTheme('tributary-dark', themeOf(COLORS.dark));
echarts.registerTheme('tributary-light', themeOf(COLORS.light));

export const themeName = (theme: Theme): string => `tributary-${theme}`;

/**
 * The live chart instances by id, for tests and for debugging from the console
 * (`__tributaryCharts.get('overview-throughput').getOption()`). An entry lives exactly as
 * long as its chart: it is removed when the chart is disposed.
 */
export const chartRegistry = new Map<string, EChartsType>();
(window as unknown as { __tributaryCharts: Map<string, EChartsType> }).__tributaryCharts = chartRegistry;
