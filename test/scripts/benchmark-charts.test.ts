import { describe, expect, it } from 'vitest';
import { barChart, kafkaChart, nexmarkChart } from '../../scripts/benchmark-charts.js';

const nexmarkLine = (query: string, mode: string, rate: number) => ({
  benchmark: 'nexmark',
  mode,
  query,
  eventsPerSecPerCore: rate,
  published: { flink: 155_000, risingWave: 118_000, feldera: 436_000 },
});

describe('the benchmark charts', () => {
  it('draw a bar per figure, higher for the larger one, with its value in the tooltip', () => {
    const svg = barChart({
      title: 'T',
      unit: 'u',
      categories: ['a', 'b'],
      log: false,
      series: [{ name: 's', color: '#000', values: [100, 300] }],
    });
    const heights = [
      ...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([\d.]+)" fill="[^"]+"><title>/g),
    ].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]).toBeGreaterThan(heights[0] * 2.5);
    expect(svg).toContain('<title>s, b: 300</title>');
    // Its name for screen readers (and the linter): the chart's title.
    expect(svg.split('\n')[1]).toBe('<title>T</title>');
  });

  it("chart Nexmark with the published figures and both of Tributary's modes", () => {
    const svg = nexmarkChart([nexmarkLine('q0', 'memory', 5_000_000), nexmarkLine('q0', 'kafka', 200_000)])!;
    for (const text of [
      'Flink 1.13, q0: 155 K',
      'Feldera, q0: 436 K',
      'Tributary, in memory, q0: 5 M',
      'Tributary, from Kafka, q0: 200 K',
    ])
      expect(svg).toContain(text);
    expect(nexmarkChart([{ benchmark: 'other' }])).toBeUndefined();
  });

  it("chart the Kafka job's contenders from their fields of the line", () => {
    const svg = kafkaChart([
      {
        benchmark: 'kafka-throughput',
        events: 10,
        ceiling: { eventsPerSec: 600_000 },
        naivePython: { eventsPerSec: 120_000 },
      },
    ])!;
    expect(svg).toContain('events/s, Kafka ceiling: 600 K');
    expect(svg).toContain('events/s, Python loop: 120 K');
  });
});
