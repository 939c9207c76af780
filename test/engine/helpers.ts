import type { NodeStats } from '../../src/engine/index.js';
import type { PipelineTest } from '../../src/testing/index.js';

/** Counters and watermark of the operator named `id`. */
export const statsOf = (t: PipelineTest, id: string): NodeStats => {
  const stats = t.job.stats().find((s) => s.id === id);
  if (!stats) throw new Error(`no operator "${id}"; the plan has ${t.job.stats().map((s) => s.id)}`);
  return stats;
};

/** The current watermark of the operator named `id`. */
export const watermarkOf = (t: PipelineTest, id: string): number => statsOf(t, id).watermark;
