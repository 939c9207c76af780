/**
 * The queries' plans as the runtime's worker threads build them (a module recipe names
 * this file and a query): the generator's defaults (in order), and the joins of q3 and q8
 * declared partitioned by person id, as the topic of bench/nexmark/runtime.ts is keyed.
 */
import type { Plan } from '../../src/index.js';
import { QUERIES } from './queries/index.js';

const plans: Record<string, Plan> = Object.fromEntries(
  QUERIES.map((q) => [q.name, q.plan({ outOfOrdernessMs: 0, partitioned: true })]),
);

export const { q0, q1, q2, q3, q4, q5, q7, q8 } = plans;
