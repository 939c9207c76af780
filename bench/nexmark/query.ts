/**
 * What each Nexmark query is here: its pipeline (written with the TypeScript API, reading
 * the one stream of events `nexmark` and writing to the sink `results`), a straightforward
 * reference implementation over the whole input that the pipeline's results must equal.
 */
import {
  boundedOutOfOrderness,
  monotonous,
  type Pipeline,
  type Plan,
  pipeline,
  type Stream,
} from '../../src/index.js';
import type { GeneratedEvents } from './generator.js';
import {
  type Auction,
  type Bid,
  eventTime,
  isAuction,
  isBid,
  isPerson,
  type NexmarkEvent,
  type Person,
} from './model.js';

export const SOURCE = 'nexmark';
export const SINK = 'results';

export type QueryName = 'q0' | 'q1' | 'q2' | 'q3' | 'q4' | 'q5' | 'q6' | 'q7' | 'q8';

export interface NexmarkQuery {
  readonly name: QueryName;
  /** What it computes, in a line. */
  readonly summary: string;
  /** Its pipeline. */
  plan(options: QueryOptions): Plan;
  /** Its results from the whole input, computed without the engine. */
  reference(input: GeneratedEvents): unknown[];
}

export interface QueryOptions {
  /** The generator's bound on out-of-orderness: the source's watermark. */
  readonly outOfOrdernessMs: number;
  /**
   * Declares the stream partitioned by the key of the query's joins (person id, seller), for
   * the runtime to run a task per partition of a topic keyed so (bench/nexmark/runtime.ts).
   * Queries keyed otherwise, or twice, run as one task whatever this says.
   */
  readonly partitioned?: boolean;
}

/** The three views of the event stream, as Flink's Nexmark defines them (`person`, `auction`, `bid`). */
export interface Views {
  readonly p: Pipeline;
  readonly events: Stream<NexmarkEvent>;
  persons(): Stream<Person>;
  auctions(): Stream<Auction>;
  bids(): Stream<Bid>;
}

/** A query's pipeline, started: the source of events, timed by their records, its watermark the generator's bound. */
export const views = (name: QueryName, { outOfOrdernessMs }: QueryOptions): Views => {
  const p = pipeline(`nexmark-${name}`);
  const watermark = outOfOrdernessMs > 0 ? boundedOutOfOrderness(outOfOrdernessMs) : monotonous();
  const events = p.source<NexmarkEvent>(SOURCE, { time: eventTime, watermark });
  return {
    p,
    events,
    persons: () =>
      events.filter(isPerson, { name: 'person' }).map((e) => e.person, { name: 'person-record' }),
    auctions: () =>
      events.filter(isAuction, { name: 'auction' }).map((e) => e.auction, { name: 'auction-record' }),
    bids: () => events.filter(isBid, { name: 'bid' }).map((e) => e.bid, { name: 'bid-record' }),
  };
};

/** The input's records of each type, in input order, for references. */
export const recordsOf = (input: GeneratedEvents) => {
  const persons: Person[] = [];
  const auctions: Auction[] = [];
  const bids: Bid[] = [];
  for (const e of input.events) {
    if (isPerson(e)) persons.push(e.person);
    else if (isAuction(e)) auctions.push(e.auction);
    else bids.push(e.bid);
  }
  return { persons, auctions, bids };
};
