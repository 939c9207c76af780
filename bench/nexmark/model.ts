/**
 * Nexmark's three record types, as the benchmark defines them (an online auction: people
 * register, open auctions, bid on them), and the one stream that carries all three: an
 * event names its type and holds the one record of that type, as Flink's Nexmark table does
 * (`event_type` 0 person, 1 auction, 2 bid). Times are ms since the epoch.
 */

export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

export const PERSON = 0;
export const AUCTION = 1;
export const BID = 2;

export type NexmarkEvent =
  | { event_type: typeof PERSON; person: Person; auction: null; bid: null }
  | { event_type: typeof AUCTION; person: null; auction: Auction; bid: null }
  | { event_type: typeof BID; person: null; auction: null; bid: Bid };

export const isBid = (e: NexmarkEvent): e is Extract<NexmarkEvent, { event_type: typeof BID }> =>
  e.event_type === BID;
export const isAuction = (e: NexmarkEvent): e is Extract<NexmarkEvent, { event_type: typeof AUCTION }> =>
  e.event_type === AUCTION;
export const isPerson = (e: NexmarkEvent): e is Extract<NexmarkEvent, { event_type: typeof PERSON }> =>
  e.event_type === PERSON;

/** The event time of any event: its record's `dateTime`. */
export const eventTime = (e: NexmarkEvent): number =>
  e.event_type === BID ? e.bid.dateTime : e.event_type === AUCTION ? e.auction.dateTime : e.person.dateTime;
