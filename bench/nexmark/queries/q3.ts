/**
 * q3, local item suggestion: for every auction in category 10 whose seller lives in Oregon,
 * Idaho or California, the seller's name, city and state with the auction's id. An
 * unbounded (regular) join, as in Flink's SQL: a seller's record is kept for good, and
 * auctions that arrive before their seller wait for it.
 */
import type { Auction, Person } from '../model.js';
import { type NexmarkQuery, recordsOf, SINK, views } from '../query.js';

interface Suggestion {
  name: string;
  city: string;
  state: string;
  id: number;
}

const STATES = new Set(['OR', 'ID', 'CA']);
const localSeller = (p: Person) => STATES.has(p.state);
const inCategory = (a: Auction) => a.category === 10;

type Side = { person: Person; auction?: undefined } | { auction: Auction; person?: undefined };

/** Per seller: the seller once seen, else the ids of the auctions waiting for them. */
interface JoinState {
  seller?: [name: string, city: string, state: string];
  waiting?: number[];
}

const suggestion = (seller: [string, string, string], id: number): Suggestion => ({
  name: seller[0],
  city: seller[1],
  state: seller[2],
  id,
});

export const q3: NexmarkQuery = {
  name: 'q3',
  summary: 'join: category-10 auctions of sellers in OR, ID, CA',
  plan: (options) => {
    const v = views('q3', options);
    const persons = v
      .persons()
      .filter(localSeller, { name: 'local-seller' })
      .map((person): Side => ({ person }), { name: 'person-side' });
    const auctions = v
      .auctions()
      .filter(inCategory, { name: 'category-10' })
      .map((auction): Side => ({ auction }), { name: 'auction-side' });
    return persons
      .union(auctions)
      .keyBy((side) => (side.person ? side.person.id : side.auction!.seller), {
        name: 'by-seller',
        partitioned: options.partitioned,
      })
      .process<Suggestion, JoinState>(
        {
          onEvent(side, ctx) {
            const state = ctx.state.get() ?? {};
            if (side.person) {
              const seller: [string, string, string] = [
                side.person.name,
                side.person.city,
                side.person.state,
              ];
              for (const id of state.waiting ?? []) ctx.emit(suggestion(seller, id));
              ctx.state.set({ seller });
            } else if (state.seller) {
              ctx.emit(suggestion(state.seller, side.auction!.id));
            } else {
              // In place: a copy per waiting auction would cost the square of their number.
              (state.waiting ??= []).push(side.auction!.id);
              ctx.state.set(state);
            }
          },
        },
        { name: 'join' },
      )
      .sink(SINK)
      .build();
  },
  reference: (input) => {
    const { persons, auctions } = recordsOf(input);
    const sellers = new Map(persons.filter(localSeller).map((p) => [p.id, p]));
    return auctions.filter(inCategory).flatMap((a) => {
      const p = sellers.get(a.seller);
      return p ? [suggestion([p.name, p.city, p.state], a.id)] : [];
    });
  },
};
