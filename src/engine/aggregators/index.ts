export type { AggregateResults, Aggregator, AnyAggregator } from './aggregator.js';
export { aggregator, avg, count, first, last, max, min, sum } from './basic.js';
export { distinctCount, percentile, percentiles } from './sketches.js';
