/**
 * q8, monitor new users: the people who registered and opened an auction in the same 10 s
 * tumbling window. Persons and auctions meet in one keyed window (by person id and
 * seller): a person's window that also counted an auction of theirs is a result.
 */
import { aggregator, count, tumbling } from '../../../src/index.js';
import { type NexmarkQuery, recordsOf, SINK, views } from '../query.js';

const SIZE_MS = 10_000;

/** A person or an auction, by the id they share: the person's, the auction's seller. */
interface Party {
  id: number;
  /** The person's name; null for an auction. */
  name: string | null;
}

interface NewUser {
  id: number;
  name: string;
  start: number;
}

/** The name of the person in the window, if they registered in it. */
const personName = aggregator<Party, string | null, string | null>({
  kind: 'person-name',
  init: () => null,
  add: (acc, party: Party) => party.name ?? acc,
  merge: (a, b) => a ?? b,
  result: (acc) => acc,
});

export const q8: NexmarkQuery = {
  name: 'q8',
  summary: 'join in 10 s tumbling windows: people who registered and opened an auction',
  plan: (options) => {
    const v = views('q8', options);
    const persons = v.persons().map((p): Party => ({ id: p.id, name: p.name }), { name: 'person-party' });
    const sellers = v.auctions().map((a): Party => ({ id: a.seller, name: null }), { name: 'seller-party' });
    return persons
      .union(sellers)
      .keyBy((party) => party.id, { name: 'by-person', partitioned: options.partitioned })
      .window(tumbling('10s'), { name: 'window' })
      .aggregate({ name: personName, parties: count() })
      .filter((r) => r.name !== null && r.parties > 1, { name: 'registered-and-sold' })
      .map((r): NewUser => ({ id: r.key, name: r.name!, start: r.start }), { name: 'new-user' })
      .sink(SINK)
      .build();
  },
  reference: (input) => {
    const { persons, auctions } = recordsOf(input);
    const windowOf = (t: number) => t - (t % SIZE_MS);
    const sold = new Set(auctions.map((a) => `${a.seller}@${windowOf(a.dateTime)}`));
    return persons
      .filter((p) => sold.has(`${p.id}@${windowOf(p.dateTime)}`))
      .map((p) => ({ id: p.id, name: p.name, start: windowOf(p.dateTime) }));
  },
};
