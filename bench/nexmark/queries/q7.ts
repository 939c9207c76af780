/**
 * q7, highest bid: in each 10 s tumbling window, the bids with the window's highest price
 * (all of them on a tie). One window over all bids (Flink's SQL groups by window alone),
 * with an aggregator that keeps the leading bids.
 */
import { aggregator, tumbling } from '../../../src/index.js';
import type { Bid } from '../model.js';
import { type NexmarkQuery, recordsOf, SINK, views } from '../query.js';

const SIZE_MS = 10_000;

interface HighestBid {
  auction: number;
  price: number;
  bidder: number;
  dateTime: number;
  extra: string;
}

const highest = (bid: Bid): HighestBid => ({
  auction: bid.auction,
  price: bid.price,
  bidder: bid.bidder,
  dateTime: bid.dateTime,
  extra: bid.extra,
});

/** The bids at the highest price seen, in arrival order. */
const highestBids = aggregator<Bid, Bid[], Bid[]>({
  kind: 'highest-bids',
  init: () => [],
  add(acc, bid: Bid) {
    if (acc.length === 0 || bid.price > acc[0].price) return [bid];
    if (bid.price === acc[0].price) acc.push(bid);
    return acc;
  },
  merge(a, b) {
    if (a.length === 0) return b;
    if (b.length === 0 || a[0].price > b[0].price) return a;
    return b[0].price > a[0].price ? b : [...a, ...b];
  },
  result: (acc) => acc,
});

export const q7: NexmarkQuery = {
  name: 'q7',
  summary: 'highest bid per 10 s tumbling window',
  plan: (options) =>
    views('q7', options)
      .bids()
      .keyBy(() => 0, { name: 'all-bids' })
      .window(tumbling('10s'), { name: 'window' })
      .aggregate({ bids: highestBids })
      .flatMap((r) => r.bids.map(highest), { name: 'highest' })
      .sink(SINK)
      .build(),
  reference: (input) => {
    const windows = new Map<number, Bid[]>();
    for (const bid of recordsOf(input).bids) {
      const start = bid.dateTime - (bid.dateTime % SIZE_MS);
      const leaders = windows.get(start);
      if (!leaders || bid.price > leaders[0].price) windows.set(start, [bid]);
      else if (bid.price === leaders[0].price) leaders.push(bid);
    }
    return [...windows.values()].flat().map(highest);
  },
};
