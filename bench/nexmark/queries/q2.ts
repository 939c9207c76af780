/** q2, selection: the auction and price of the bids on auctions whose id is a multiple of 123. */
import type { Bid } from '../model.js';
import { type NexmarkQuery, recordsOf, SINK, views } from '../query.js';

const selected = (bid: Bid) => bid.auction % 123 === 0;
const project = (bid: Bid) => ({ auction: bid.auction, price: bid.price });

export const q2: NexmarkQuery = {
  name: 'q2',
  summary: 'selection: bids on every 123rd auction',
  plan: (options) =>
    views('q2', options)
      .bids()
      .filter(selected, { name: 'auction-mod-123' })
      .map(project, { name: 'auction-price' })
      .sink(SINK)
      .build(),
  reference: (input) => recordsOf(input).bids.filter(selected).map(project),
};
