/** q1, currency conversion: every bid with its price in euros (dollars × 0.908). */
import type { Bid } from '../model.js';
import { type NexmarkQuery, recordsOf, SINK, views } from '../query.js';

const toEuros = (bid: Bid) => ({
  auction: bid.auction,
  bidder: bid.bidder,
  price: 0.908 * bid.price,
  dateTime: bid.dateTime,
  extra: bid.extra,
});

export const q1: NexmarkQuery = {
  name: 'q1',
  summary: 'currency conversion: each bid priced in euros',
  plan: (options) => views('q1', options).bids().map(toEuros, { name: 'to-euros' }).sink(SINK).build(),
  reference: (input) => recordsOf(input).bids.map(toEuros),
};
