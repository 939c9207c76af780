/** q0, pass-through: every bid, unchanged. Measures the cost of reading and writing records. */
import { type NexmarkQuery, recordsOf, SINK, views } from '../query.js';

export const q0: NexmarkQuery = {
  name: 'q0',
  summary: 'pass-through: every bid',
  plan: (options) => views('q0', options).bids().sink(SINK).build(),
  reference: (input) => recordsOf(input).bids,
};
