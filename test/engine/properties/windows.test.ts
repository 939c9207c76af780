/**
 * Event-time windows against a brute-force reference, on random out-of-order streams cut
 * into random batches. Each property states one promise of the documented semantics.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FLUSH_KEY,
  hoppingScenario,
  type LatenessMode,
  runEngine,
  type Scenario,
  sessionScenario,
  tumblingScenario,
  windowId,
} from './harness.js';
import { type Emission, type ModelWindow, type Result, resultOf, simulate } from './reference.js';

const NUM_RUNS = 200;

const reference = (s: Scenario) => simulate(s.batches, s.assigner, s.maxOutOfOrderness, s.lateness);

/** The reference's windows that the final watermark fired: all of them but the flush record's. */
const finalWindows = (s: Scenario): ModelWindow[] => {
  const ref = reference(s);
  const watermark = ref.watermarks[ref.watermarks.length - 1];
  const fired = ref.windows.filter((w) => w.end - 1 <= watermark);
  // The flush record must have fired everything else, or the comparison would be partial.
  expect(fired.filter((w) => w.key !== FLUSH_KEY)).toHaveLength(
    ref.windows.filter((w) => w.key !== FLUSH_KEY).length,
  );
  return fired;
};

/** The last result the engine emitted for each window, in emission order. */
const lastEmitted = (s: Scenario): Map<string, Result> => {
  const last = new Map<string, Result>();
  for (const emission of runEngine(s).emissions.flat()) last.set(windowId(emission.value), emission.value);
  return last;
};

/** Order within one batch's output is the engine's business; compare it as a multiset. */
const sorted = (emissions: readonly Emission[]): Emission[] =>
  emissions
    .map(({ timestamp, value }) => ({ timestamp, value }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const cases = [
  { name: 'tumbling', scenario: tumblingScenario, fixed: true },
  { name: 'hopping', scenario: hoppingScenario, fixed: true },
  { name: 'session', scenario: sessionScenario, fixed: false },
];
const modes: { mode: LatenessMode; label: string }[] = [
  { mode: 'none', label: 'without allowed lateness' },
  { mode: 'allowed', label: 'with allowed lateness' },
];

describe.each(cases)('$name windows', ({ scenario, fixed }) => {
  describe.each(modes)('$label', ({ mode }) => {
    const scenarios = scenario(mode);

    it('(a) the last result emitted for each window is the one the reference computes', () => {
      fc.assert(
        fc.property(scenarios, (s) => {
          const emitted = lastEmitted(s);
          for (const window of finalWindows(s)) {
            expect(emitted.get(windowId(window)), windowId(window)).toEqual(resultOf(window));
          }
        }),
        { numRuns: NUM_RUNS },
      );
    });

    if (fixed) {
      it('(b) no window is emitted that the reference lacks', () => {
        fc.assert(
          fc.property(scenarios, (s) => {
            const known = new Set(finalWindows(s).map(windowId));
            for (const id of lastEmitted(s).keys()) expect(known, id).toContain(id);
          }),
          { numRuns: NUM_RUNS },
        );
      });
    } else {
      it('(b) a session emitted but not final was swallowed by a merge into a final session', () => {
        fc.assert(
          fc.property(scenarios, (s) => {
            const final = finalWindows(s);
            const known = new Set(final.map(windowId));
            for (const [id, r] of lastEmitted(s)) {
              if (known.has(id)) continue;
              const inside = final.some((w) => w.key === r.key && w.start <= r.start && r.end <= w.end);
              expect(inside, `${id} lies in no final session`).toBe(true);
            }
          }),
          { numRuns: NUM_RUNS },
        );
      });
    }

    it('(f) applying results as upserts and retractions as deletes leaves exactly the final windows', () => {
      fc.assert(
        fc.property(scenarios, (s) => {
          // What a store holds: one row per window, the latest result; a retraction deletes it.
          const table = new Map<string, Result>();
          for (const change of runEngine(s).changes.flat()) {
            const id = windowId(change.value);
            expect(change.timestamp).toBe(change.value.end - 1);
            if (change.kind === '+') {
              table.set(id, change.value);
            } else {
              // A retraction carries the row it withdraws, as it was last emitted.
              expect(table.get(id), `retraction of ${id}`).toEqual(change.value);
              table.delete(id);
            }
          }
          const expected = new Map(finalWindows(s).map((w) => [windowId(w), resultOf(w)]));
          expect(table).toEqual(expected);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('(c) the late stream holds exactly the events the reference finds late', () => {
      fc.assert(
        fc.property(scenarios, (s) => {
          const engine = runEngine(s);
          expect(engine.late).toEqual(reference(s).late);
          expect(engine.deadLetters).toEqual([]);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('(d) no result is emitted before the watermark reaches its end - 1', () => {
      fc.assert(
        fc.property(scenarios, (s) => {
          const engine = runEngine(s);
          // The watermark the engine acts on is the one the reference derives from the batches.
          expect(engine.watermarks).toEqual(reference(s).watermarks);
          for (const e of engine.emissions.flat()) {
            expect(e.timestamp).toBe(e.value.end - 1);
            expect(e.key).toBe(e.value.key);
            expect(e.timestamp, `${windowId(e.value)} at watermark ${e.watermark}`).toBeLessThanOrEqual(
              e.watermark,
            );
          }
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('(e) each batch emits exactly the fired windows and the updates the reference predicts', () => {
      fc.assert(
        fc.property(scenarios, (s) => {
          const engine = runEngine(s).emissions.map(sorted);
          const expected = reference(s).emissions.map(sorted);
          expect(engine).toEqual(expected);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });
});

describe('the generated streams', () => {
  it('reach late records, re-emitted updates and session merges', () => {
    // Guards the generators: the properties above say little about cases they never produce.
    const sample = (scenarios: fc.Arbitrary<Scenario>) =>
      fc.sample(scenarios, { numRuns: 200, seed: 7 }).map((s) => ({ s, ref: reference(s) }));
    const updates = ({ ref }: { ref: ReturnType<typeof reference> }) =>
      ref.emissions.some((batch, b) => batch.some((e) => b > 0 && e.timestamp <= ref.watermarks[b - 1]));
    for (const scenario of [tumblingScenario, hoppingScenario, sessionScenario]) {
      expect(sample(scenario('none')).filter(({ ref }) => ref.late.length > 0).length).toBeGreaterThan(20);
      expect(sample(scenario('allowed')).filter(updates).length).toBeGreaterThan(20);
    }
    const merged = sample(sessionScenario('allowed')).filter(({ s, ref }) =>
      ref.windows.some((w) => w.end - w.start > (s.assigner as { gap: number }).gap),
    );
    expect(merged.length).toBeGreaterThan(100);
  });
});
