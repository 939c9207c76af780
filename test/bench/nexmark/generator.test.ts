import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, generateEvents, NexmarkGenerator } from '../../../bench/nexmark/generator.js';
import { AUCTION, BID, eventTime, PERSON } from '../../../bench/nexmark/model.js';

describe('the Nexmark generator', () => {
  it('is deterministic by seed', () => {
    const a = generateEvents(2_000, { seed: 3 });
    const b = generateEvents(2_000, { seed: 3 });
    const c = generateEvents(2_000, { seed: 4 });
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
    expect(JSON.stringify(a.events)).not.toBe(JSON.stringify(c.events));
  });

  it('makes persons, auctions and bids in the proportions 1 : 3 : 46, with ids that follow the event number', () => {
    const { events } = generateEvents(50_000);
    const counts = [0, 0, 0];
    for (const e of events) counts[e.event_type]++;
    expect(counts).toEqual([1_000, 3_000, 46_000]);
    const persons = events.flatMap((e) => (e.event_type === PERSON ? [e.person.id] : []));
    const auctions = events.flatMap((e) => (e.event_type === AUCTION ? [e.auction.id] : []));
    expect(persons.slice(0, 3)).toEqual([1000, 1001, 1002]);
    expect(auctions.slice(0, 4)).toEqual([1000, 1001, 1002, 1003]);
    expect(new Set(persons).size).toBe(persons.length);
  });

  it('sends bids to auctions in flight, half of them to a hot auction, and pads records to their average sizes', () => {
    const { events } = generateEvents(50_000);
    let hot = 0;
    let bids = 0;
    let bidBytes = 0;
    let auctionBytes = 0;
    let lastAuction = 999;
    for (const e of events) {
      if (e.event_type === AUCTION) {
        lastAuction = e.auction.id;
        auctionBytes += JSON.stringify(e.auction).length;
      }
      if (e.event_type !== BID) continue;
      bids++;
      bidBytes += JSON.stringify(e.bid).length;
      expect(e.bid.auction).toBeLessThanOrEqual(lastAuction + 10);
      expect(e.bid.auction).toBeGreaterThanOrEqual(Math.max(1000, lastAuction - 101));
      if (e.bid.auction % 100 === 0) hot++;
      expect(e.bid.price).toBeGreaterThanOrEqual(100);
      expect(e.bid.price).toBeLessThanOrEqual(100_000_000);
    }
    expect(hot / bids).toBeGreaterThan(0.45);
    expect(hot / bids).toBeLessThan(0.56);
    // JSON adds field names to the definition's byte sizes (100 per bid, 500 per auction).
    expect(bidBytes / bids).toBeGreaterThan(100);
    expect(auctionBytes / 3_000).toBeGreaterThan(500);
  });

  it('advances event time by 1e6 / rate µs per event, and no event falls below a watermark it allowed', () => {
    const inOrder = generateEvents(20_000, { firstEventRate: 1_000 });
    expect(inOrder.timestamps[0]).toBe(DEFAULT_CONFIG.baseTime);
    expect(inOrder.timestamps[19_999] - inOrder.timestamps[0]).toBe(19_999);
    expect(inOrder.outOfOrdernessMs).toBe(0);

    const shuffled = generateEvents(20_000, { firstEventRate: 1_000, outOfOrderGroupSize: 100 });
    let newest = Number.NEGATIVE_INFINITY;
    let watermark = Number.NEGATIVE_INFINITY;
    let outOfOrder = 0;
    for (let i = 0; i < shuffled.events.length; i++) {
      const t = shuffled.timestamps[i];
      expect(eventTime(shuffled.events[i])).toBe(t);
      expect(t).toBeGreaterThanOrEqual(watermark);
      expect(newest - t).toBeLessThanOrEqual(shuffled.outOfOrdernessMs);
      if (t < newest) outOfOrder++;
      newest = Math.max(newest, t);
      watermark = Math.max(watermark, shuffled.watermarks[i]);
    }
    expect(outOfOrder).toBeGreaterThan(5_000);
  });

  it('closes an auction within twice the time the next 100 auctions take to open', () => {
    const generator = new NexmarkGenerator({ firstEventRate: 1_000 });
    for (let i = 0; i < 5_000; i++) {
      const { event } = generator.next();
      if (event.event_type !== AUCTION) continue;
      const length = event.auction.expires - event.auction.dateTime;
      expect(length).toBeGreaterThanOrEqual(1);
      expect(length).toBeLessThanOrEqual(2 * 1_667 + 1);
    }
  });
});
