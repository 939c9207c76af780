/**
 * The Nexmark event generator, written from the benchmark's definition (Beam's Nexmark
 * and the nexmark/nexmark repository's Flink generator): persons, auctions and bids in the
 * proportions 1 : 3 : 46; ids that grow with the event number, so that auctions go to
 * recent sellers and bids to auctions in flight, with "hot" auctions, sellers and bidders;
 * prices log-uniform from $1 to $1 M; records padded to their average sizes (200, 500,
 * 100 bytes); event time advancing by `1e6 / firstEventRate` µs per event, shuffled within
 * groups of `outOfOrderGroupSize` events for out-of-orderness.
 *
 * Unlike Flink's generator, which draws from an unseeded SplittableRandom, this one is
 * deterministic: the same seed gives the same events, which the reference checks need.
 */
import { random } from '../harness.js';
import { AUCTION, type Auction, BID, type Bid, type NexmarkEvent, PERSON, type Person } from './model.js';

export interface NexmarkConfig {
  /** Events per second of event time: 10 M in the published suite (100 M events, 10 s). */
  firstEventRate: number;
  personProportion: number;
  auctionProportion: number;
  bidProportion: number;
  avgPersonByteSize: number;
  avgAuctionByteSize: number;
  avgBidByteSize: number;
  /** One bid in `hotAuctionRatio` goes to any auction in flight, the others to a hot one. */
  hotAuctionRatio: number;
  hotSellersRatio: number;
  hotBiddersRatio: number;
  numInFlightAuctions: number;
  numActivePeople: number;
  /** Events are shuffled within groups of this many (1: in order). */
  outOfOrderGroupSize: number;
  /** The event time of the first event. */
  baseTime: number;
  seed: number;
}

/** Nexmark's defaults, with the published suite's event rate. */
export const DEFAULT_CONFIG: NexmarkConfig = {
  firstEventRate: 10_000_000,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
  outOfOrderGroupSize: 1,
  baseTime: Date.UTC(2026, 0, 1),
  seed: 1,
};

const FIRST_AUCTION_ID = 1000;
const FIRST_PERSON_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const AUCTION_ID_LEAD = 10;
const PERSON_ID_LEAD = 10;
const HOT_SELLER_RATIO = 100;
const HOT_AUCTION_RATIO = 100;
const HOT_BIDDER_RATIO = 100;
const HOT_CHANNELS_RATIO = 2;
const CHANNELS_NUMBER = 10_000;
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = [
  'Phoenix',
  'Los Angeles',
  'San Francisco',
  'Boise',
  'Portland',
  'Bend',
  'Redmond',
  'Seattle',
  'Kent',
  'Cheyenne',
];
const FIRST_NAMES = [
  'Peter',
  'Paul',
  'Luke',
  'John',
  'Saul',
  'Vicky',
  'Kate',
  'Julie',
  'Sarah',
  'Deiter',
  'Walter',
];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const MIN_STRING_LENGTH = 3;
const EXTRA_POOL_LENGTH = 1024 * 1024;

/** A seeded source of the draws the generator makes. */
class Draws {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = random(seed);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  double(): number {
    return this.next();
  }

  /** Nexmark's string: 3 to `maxLength` letters, with `special` at about one place in 13, trimmed. */
  string(maxLength: number, special = ' '): string {
    let len = MIN_STRING_LENGTH + this.int(maxLength - MIN_STRING_LENGTH);
    let s = '';
    while (len-- > 0) s += this.int(13) === 0 ? special : String.fromCharCode(97 + this.int(26));
    return s.trim();
  }

  /** Log-uniform from $1 to $1 M, in cents. */
  price(): number {
    return Math.round(10 ** (this.double() * 6) * 100);
  }
}

/** What `next()` returns: the event, its event time, and the watermark it allows. */
export interface GeneratedEvent {
  event: NexmarkEvent;
  /** The event's (possibly shuffled) event time. */
  timestamp: number;
  /** No later event has an event time below this. */
  watermark: number;
}

export class NexmarkGenerator {
  readonly config: NexmarkConfig;
  private readonly draws: Draws;
  private readonly totalProportion: number;
  private readonly interEventDelayUs: number;
  private readonly extraPool: string;
  private readonly hotUrls: string[];
  private readonly channelUrls: [channel: string, url: string][];
  private count = 0;

  constructor(config: Partial<NexmarkConfig> = {}) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    const c = this.config;
    this.draws = new Draws(c.seed);
    this.totalProportion = c.personProportion + c.auctionProportion + c.bidProportion;
    this.interEventDelayUs = 1_000_000 / c.firstEventRate;
    let pool = '';
    while (pool.length < EXTRA_POOL_LENGTH) pool += String.fromCharCode(97 + this.draws.int(26));
    this.extraPool = pool;
    this.hotUrls = HOT_CHANNELS.map(() => this.baseUrl());
    this.channelUrls = Array.from({ length: CHANNELS_NUMBER }, (_, i) => {
      const url = this.baseUrl();
      return [`channel-${i}`, this.draws.int(10) > 0 ? `${url}&channel_id=${reverseBits(i)}` : url];
    });
  }

  /** Event time of the event numbered `n` (from 0). */
  timestampFor(n: number): number {
    return this.config.baseTime + Math.floor(Math.floor(n * this.interEventDelayUs) / 1000);
  }

  /**
   * How far an event's time may lie below the newest seen: the span of one shuffle group
   * (0 when events are in order). A watermark this far behind the newest time drops nothing.
   */
  get outOfOrdernessMs(): number {
    const n = this.config.outOfOrderGroupSize;
    return n <= 1 ? 0 : Math.ceil((n * this.interEventDelayUs) / 1000) + 1;
  }

  next(): GeneratedEvent {
    const n = this.config.outOfOrderGroupSize;
    const number = this.count;
    const base = Math.floor(number / n) * n;
    const adjusted = base + ((number * 953) % n);
    const timestamp = this.timestampFor(adjusted);
    const eventId = adjusted;
    const rem = eventId % this.totalProportion;
    const c = this.config;
    let event: NexmarkEvent;
    if (rem < c.personProportion) {
      event = { event_type: PERSON, person: this.person(eventId, timestamp), auction: null, bid: null };
    } else if (rem < c.personProportion + c.auctionProportion) {
      event = {
        event_type: AUCTION,
        person: null,
        auction: this.auction(adjusted, eventId, timestamp),
        bid: null,
      };
    } else {
      event = { event_type: BID, person: null, auction: null, bid: this.bid(eventId, timestamp) };
    }
    this.count++;
    return { event, timestamp, watermark: this.timestampFor(base) };
  }

  private person(eventId: number, timestamp: number): Person {
    const d = this.draws;
    const id = this.lastBase0PersonId(eventId) + FIRST_PERSON_ID;
    const name = `${FIRST_NAMES[d.int(FIRST_NAMES.length)]} ${LAST_NAMES[d.int(LAST_NAMES.length)]}`;
    const emailAddress = `${d.string(7)}@${d.string(5)}.com`;
    const creditCard = [0, 1, 2, 3].map(() => String(d.int(10_000)).padStart(4, '0')).join(' ');
    const city = US_CITIES[d.int(US_CITIES.length)];
    const state = US_STATES[d.int(US_STATES.length)];
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = this.extra(size, this.config.avgPersonByteSize);
    return { id, name, emailAddress, creditCard, city, state, dateTime: timestamp, extra };
  }

  private auction(eventNumber: number, eventId: number, timestamp: number): Auction {
    const d = this.draws;
    const c = this.config;
    const id = this.lastBase0AuctionId(eventId) + FIRST_AUCTION_ID;
    const seller =
      (d.int(c.hotSellersRatio) > 0
        ? Math.floor(this.lastBase0PersonId(eventId) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
        : this.nextBase0PersonId(eventId)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + d.int(NUM_CATEGORIES);
    const initialBid = d.price();
    // An auction stays open for up to twice the time the next numInFlightAuctions auctions take to open.
    const eventsForAuctions = Math.floor(
      (c.numInFlightAuctions * this.totalProportion) / c.auctionProportion,
    );
    const horizonMs = this.timestampFor(eventNumber + eventsForAuctions) - timestamp;
    const expires = timestamp + 1 + d.int(Math.max(horizonMs * 2, 1));
    const itemName = d.string(20);
    const description = d.string(100);
    const reserve = initialBid + d.price();
    const extra = this.extra(8 + itemName.length + description.length + 40, c.avgAuctionByteSize);
    return {
      id,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime: timestamp,
      expires,
      seller,
      category,
      extra,
    };
  }

  private bid(eventId: number, timestamp: number): Bid {
    const d = this.draws;
    const c = this.config;
    const auction =
      (d.int(c.hotAuctionRatio) > 0
        ? Math.floor(this.lastBase0AuctionId(eventId) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
        : this.nextBase0AuctionId(eventId)) + FIRST_AUCTION_ID;
    const bidder =
      (d.int(c.hotBiddersRatio) > 0
        ? Math.floor(this.lastBase0PersonId(eventId) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
        : this.nextBase0PersonId(eventId)) + FIRST_PERSON_ID;
    const price = d.price();
    let channel: string;
    let url: string;
    if (d.int(HOT_CHANNELS_RATIO) > 0) {
      const i = d.int(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i];
      url = this.hotUrls[i];
    } else {
      const entry = this.channelUrls[d.int(CHANNELS_NUMBER)];
      channel = entry[0];
      url = entry[1];
    }
    const extra = this.extra(32, c.avgBidByteSize);
    return { auction, bidder, price, channel, url, dateTime: timestamp, extra };
  }

  private lastBase0PersonId(eventId: number): number {
    const c = this.config;
    const epoch = Math.floor(eventId / this.totalProportion);
    const offset = Math.min(eventId % this.totalProportion, c.personProportion - 1);
    return epoch * c.personProportion + offset;
  }

  /** A person among the most recent `numActivePeople`, or one of the next few to register. */
  private nextBase0PersonId(eventId: number): number {
    const people = this.lastBase0PersonId(eventId) + 1;
    const active = Math.min(people, this.config.numActivePeople);
    return people - active + this.draws.int(active + PERSON_ID_LEAD);
  }

  private lastBase0AuctionId(eventId: number): number {
    const c = this.config;
    let epoch = Math.floor(eventId / this.totalProportion);
    let offset = eventId % this.totalProportion;
    if (offset < c.personProportion) {
      epoch--;
      offset = c.auctionProportion - 1;
    } else if (offset >= c.personProportion + c.auctionProportion) {
      offset = c.auctionProportion - 1;
    } else {
      offset -= c.personProportion;
    }
    return epoch * c.auctionProportion + offset;
  }

  /** An auction among the `numInFlightAuctions` most recent, or one of the next few to open. */
  private nextBase0AuctionId(eventId: number): number {
    const last = this.lastBase0AuctionId(eventId);
    const min = Math.max(last - this.config.numInFlightAuctions, 0);
    return min + this.draws.int(last - min + 1 + AUCTION_ID_LEAD);
  }

  /** Padding that brings a record to about `average` bytes (±20 %). */
  private extra(size: number, average: number): string {
    if (size > average) return '';
    const wanted = average - size;
    const delta = Math.round(wanted * 0.2);
    const length = wanted - delta + (delta === 0 ? 0 : this.draws.int(2 * delta));
    const offset = this.draws.int(this.extraPool.length - length);
    return this.extraPool.slice(offset, offset + length);
  }

  private baseUrl(): string {
    const d = this.draws;
    return `https://www.nexmark.com/${d.string(5, '_')}/${d.string(5, '_')}/${d.string(5, '_')}/item.htm?query=1`;
  }
}

/** Java's `Math.abs(Integer.reverse(i))`, which the channel URLs carry. */
const reverseBits = (i: number): number => {
  let r = 0;
  for (let bit = 0; bit < 32; bit++) r = (r << 1) | ((i >>> bit) & 1);
  return Math.abs(r | 0);
};

/** `count` events generated ahead, with their event times and watermarks. */
export interface GeneratedEvents {
  events: NexmarkEvent[];
  timestamps: number[];
  /** The watermark the generator allows after each event. */
  watermarks: number[];
  outOfOrdernessMs: number;
}

export const generateEvents = (count: number, config: Partial<NexmarkConfig> = {}): GeneratedEvents => {
  const generator = new NexmarkGenerator(config);
  const events: NexmarkEvent[] = new Array(count);
  const timestamps: number[] = new Array(count);
  const watermarks: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const next = generator.next();
    events[i] = next.event;
    timestamps[i] = next.timestamp;
    watermarks[i] = next.watermark;
  }
  return { events, timestamps, watermarks, outOfOrdernessMs: generator.outOfOrdernessMs };
};
