/**
 * q4, average selling price by category: an auction's final price is its highest bid made
 * while it was open (from its `dateTime` to `expires`); each time an auction closes with a
 * bid, its category's average of final prices is emitted again.
 *
 * Flink's SQL keeps a changing maximum per auction and retracts it as bids arrive; here an
 * auction's price is final when the watermark passes `expires`, as in Beam's Nexmark, so
 * each update is a final price, and the last update per category is the SQL's answer.
 */
import type { Auction, Bid } from '../model.js';
import { type NexmarkQuery, recordsOf, SINK, views } from '../query.js';

type Side = { auction: Auction; bid?: undefined } | { bid: Bid; auction?: undefined };

/** Per auction: the auction once seen and its highest bid so far, else bids waiting for it as `[dateTime, price]`. */
interface AuctionState {
  open?: [dateTime: number, expires: number, category: number];
  highest?: number;
  waiting?: [number, number][];
}

interface FinalPrice {
  category: number;
  price: number;
}

interface CategoryAverage {
  category: number;
  average: number;
  auctions: number;
}

export const q4: NexmarkQuery = {
  name: 'q4',
  summary: 'winning bids, then the running average final price per category',
  plan: (options) => {
    const v = views('q4', options);
    const auctions = v.auctions().map((auction): Side => ({ auction }), { name: 'auction-side' });
    const bids = v.bids().map((bid): Side => ({ bid }), { name: 'bid-side' });
    return auctions
      .union(bids)
      .keyBy((side) => (side.auction ? side.auction.id : side.bid!.auction), { name: 'by-auction' })
      .process<FinalPrice, AuctionState>(
        {
          onEvent(side, ctx) {
            const state = ctx.state.get() ?? {};
            if (side.auction) {
              const { dateTime, expires, category } = side.auction;
              let highest: number | undefined;
              for (const [time, price] of state.waiting ?? []) {
                if (time >= dateTime && time <= expires && !(price <= highest!)) highest = price;
              }
              const open: AuctionState['open'] = [dateTime, expires, category];
              ctx.state.set(highest === undefined ? { open } : { open, highest });
              ctx.timers.atEventTime(expires);
            } else if (state.open) {
              const { dateTime, price } = side.bid!;
              if (dateTime >= state.open[0] && dateTime <= state.open[1] && !(price <= state.highest!)) {
                state.highest = price;
                ctx.state.set(state);
              }
            } else {
              // A bid on an auction not seen yet: it counts only if the auction opens at or
              // before the bid's time, which the watermark passing that time rules out.
              (state.waiting ??= []).push([side.bid!.dateTime, side.bid!.price]);
              ctx.state.set(state);
              ctx.timers.atEventTime(side.bid!.dateTime);
            }
          },
          onTimer(time, ctx) {
            const state = ctx.state.get();
            if (!state) return;
            if (state.open) {
              if (time < state.open[1]) return;
              if (state.highest !== undefined) ctx.emit({ category: state.open[2], price: state.highest });
              ctx.state.clear();
              return;
            }
            const waiting = state.waiting!.filter(([t]) => t > time);
            if (waiting.length === 0) ctx.state.clear();
            else ctx.state.set({ waiting });
          },
        },
        { name: 'winning-bids' },
      )
      .keyBy((p) => p.category, { name: 'by-category' })
      .process<CategoryAverage, [sum: number, auctions: number]>(
        {
          onEvent(p, ctx) {
            const [sum, auctions] = ctx.state.get() ?? [0, 0];
            const next: [number, number] = [sum + p.price, auctions + 1];
            ctx.state.set(next);
            ctx.emit({ category: p.category, average: next[0] / next[1], auctions: next[1] });
          },
        },
        { name: 'average' },
      )
      .sink(SINK)
      .build();
  },
  reference: (input) => {
    const { auctions, bids } = recordsOf(input);
    const byId = new Map(
      auctions.map((a, order) => [a.id, { a, order, highest: undefined as number | undefined }]),
    );
    for (const b of bids) {
      const entry = byId.get(b.auction);
      if (!entry || b.dateTime < entry.a.dateTime || b.dateTime > entry.a.expires) continue;
      if (entry.highest === undefined || b.price > entry.highest) entry.highest = b.price;
    }
    // Auctions close in order of expiry, those expiring together in the order they opened.
    const closed = [...byId.values()]
      .filter((e) => e.highest !== undefined)
      .sort((x, y) => x.a.expires - y.a.expires || x.order - y.order);
    const totals = new Map<number, [number, number]>();
    return closed.map(({ a, highest }) => {
      const [sum, n] = totals.get(a.category) ?? [0, 0];
      const next: [number, number] = [sum + highest!, n + 1];
      totals.set(a.category, next);
      return { category: a.category, average: next[0] / next[1], auctions: next[1] };
    });
  },
};
