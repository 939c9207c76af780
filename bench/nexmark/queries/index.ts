/** Nexmark's queries as Tributary runs them (q6, optional in Flink's suite as well, is not among them). */
import type { NexmarkQuery } from '../query.js';
import { q0 } from './q0.js';
import { q1 } from './q1.js';
import { q2 } from './q2.js';
import { q3 } from './q3.js';
import { q4 } from './q4.js';
import { q5 } from './q5.js';
import { q7 } from './q7.js';
import { q8 } from './q8.js';

export const QUERIES: readonly NexmarkQuery[] = [q0, q1, q2, q3, q4, q5, q7, q8];
