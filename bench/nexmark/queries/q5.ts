/**
 * q5, hot items: in each 10 s window sliding by 2 s, the auctions with the most bids (all of
 * them on a tie). Bids are counted per auction and window by the engine's hopping window;
 * a second stage keyed by window keeps the leaders until the window's results are all in
 * (the watermark passing its last instant).
 */
import { count, hopping } from '../../../src/index.js';
import { type NexmarkQuery, recordsOf, SINK, views } from '../query.js';

const SIZE_MS = 10_000;
const SLIDE_MS = 2_000;

interface HotItem {
  auction: number;
  num: number;
  start: number;
  end: number;
}

/** Per window: the highest count so far and the auctions that have it. */
interface Leaders {
  num: number;
  auctions: number[];
}

export const q5: NexmarkQuery = {
  name: 'q5',
  summary: 'hot items: most-bid auctions per 10 s window sliding by 2 s',
  plan: (options) =>
    views('q5', options)
      .bids()
      .keyBy((bid) => bid.auction, { name: 'by-auction' })
      .window(hopping('10s', '2s'), { name: 'bids-per-auction' })
      .aggregate({ num: count() })
      .keyBy((r) => r.start, { name: 'by-window' })
      .process<HotItem, Leaders>(
        {
          onEvent(r, ctx) {
            const leaders = ctx.state.get();
            if (!leaders || r.num > leaders.num) {
              ctx.state.set({ num: r.num, auctions: [r.key] });
              ctx.timers.atEventTime(r.end - 1);
            } else if (r.num === leaders.num) {
              leaders.auctions.push(r.key);
              ctx.state.set(leaders);
            }
          },
          onTimer(time, ctx) {
            const leaders = ctx.state.get()!;
            const start = ctx.key;
            for (const auction of leaders.auctions) {
              ctx.emit({ auction, num: leaders.num, start, end: start + SIZE_MS }, time);
            }
            ctx.state.clear();
          },
        },
        { name: 'leaders' },
      )
      .sink(SINK)
      .build(),
  reference: (input) => {
    const counts = new Map<number, Map<number, number>>();
    for (const bid of recordsOf(input).bids) {
      const newest = bid.dateTime - (((bid.dateTime % SLIDE_MS) + SLIDE_MS) % SLIDE_MS);
      for (let start = newest; start > bid.dateTime - SIZE_MS; start -= SLIDE_MS) {
        let perAuction = counts.get(start);
        if (!perAuction) counts.set(start, (perAuction = new Map()));
        perAuction.set(bid.auction, (perAuction.get(bid.auction) ?? 0) + 1);
      }
    }
    const results: HotItem[] = [];
    for (const [start, perAuction] of counts) {
      let num = 0;
      for (const n of perAuction.values()) if (n > num) num = n;
      for (const [auction, n] of perAuction) {
        if (n === num) results.push({ auction, num, start, end: start + SIZE_MS });
      }
    }
    return results;
  },
};
