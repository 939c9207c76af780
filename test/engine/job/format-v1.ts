/**
 * Checkpoints in format 1, the whole-state format before key groups. The code that wrote
 * them is gone, so this encoder stands in for it: it builds the shapes the operators' old
 * `snapshot()` returned (`git show 440b9f3:src/engine/windows/fixed-windows.ts`, and
 * `…/session-windows.ts`, `…/operators/process.ts`, `…/operators/dedupe.ts`,
 * `…/operators/interval-join.ts`, `…/time/event-time.ts`, `…/job/job.ts`) from a snapshot
 * of today's job. It is the inverse of `upgradeSnapshot`, written from the old sources rather
 * than from the upgrade, so that the two check each other.
 */
import type { Key } from '../../../src/engine/batch.js';
import type { JobSnapshot } from '../../../src/engine/job/job.js';
import type {
  DedupeV1,
  FixedWindowsV1,
  IntervalJoinV1,
  JobSnapshotV1,
  NodeSnapshotV1,
  ProcessV1,
  SessionWindowsV1,
} from '../../../src/engine/job/snapshot-upgrade.js';
import type { DedupeMeta } from '../../../src/engine/operators/dedupe.js';
import type { SavedKey as SavedJoinKey } from '../../../src/engine/operators/interval-join.js';
import type { SavedKey as SavedProcessKey } from '../../../src/engine/operators/process.js';
import type { Plan, PlanNode } from '../../../src/engine/plan/plan.js';
import type { StateEntry } from '../../../src/engine/state/keyed-state.js';
import type { FixedWindowsMeta, SavedSlot } from '../../../src/engine/windows/fixed-windows.js';
import type { SavedSession, SessionWindowsMeta } from '../../../src/engine/windows/session-windows.js';

/** `snapshot` as format 1 held it: every node's watermarks and its operator's whole state. */
export const encodeV1 = (snapshot: JobSnapshot, plan: Plan): JobSnapshotV1 => {
  const nodes: Record<string, NodeSnapshotV1> = {};
  for (const node of plan.nodes) {
    const { meta, entries = [], ...watermarks } = snapshot.nodes[node.id];
    const state = stateOf(node, meta, entries);
    nodes[node.id] = state === undefined ? watermarks : { ...watermarks, state };
  }
  return snapshot.ended
    ? { version: 1, pipeline: snapshot.pipeline, nodes, ended: true }
    : { version: 1, pipeline: snapshot.pipeline, nodes };
};

const stateOf = (node: PlanNode, meta: unknown, entries: StateEntry[]): unknown => {
  switch (node.kind) {
    case 'source':
    case 'eventTime':
      // Event time kept its shape; format 1 grew the idleness fields on the way.
      return meta;
    case 'window':
      return node.assigner.kind === 'session'
        ? sessionWindows(meta as SessionWindowsMeta, entries)
        : fixedWindows(meta as FixedWindowsMeta, entries);
    case 'process':
      return processFunction(entries);
    case 'dedupe':
      return dedupe(meta as DedupeMeta, entries);
    case 'intervalJoin':
      return intervalJoin(entries);
    default:
      return undefined;
  }
};

/** `starts.map((start) => [start, [...accumulators of the window]])`: windows by start, keys in join order. */
const fixedWindows = (meta: FixedWindowsMeta, entries: StateEntry[]): FixedWindowsV1 => {
  const byStart = new Map<number, [order: number, key: Key, acc: unknown][]>();
  for (const [key, start, value] of entries) {
    const [order, acc] = value as SavedSlot;
    let slots = byStart.get(start);
    if (!slots) byStart.set(start, (slots = []));
    slots.push([order, key, acc]);
  }
  const windows: FixedWindowsV1['windows'] = [...byStart]
    .sort((a, b) => a[0] - b[0])
    .map(([start, slots]) => [start, slots.sort((a, b) => a[0] - b[0]).map(([, key, acc]) => [key, acc])]);
  return { firedUpTo: meta.firedUpTo, windows };
};

/** Sessions per key, and `[key, start, time]` of every live timer in firing order (`TimerQueue.entries()`). */
const sessionWindows = (meta: SessionWindowsMeta, entries: StateEntry[]): SessionWindowsV1 => {
  const sessions: SessionWindowsV1['sessions'] = [];
  const timers: [key: Key, start: number, time: number, seq: number][] = [];
  for (const [key, , value] of entries) {
    const list = value as SavedSession[];
    sessions.push([
      key,
      list.map(([start, end, acc, , emitted]) => (emitted ? [start, end, acc, emitted] : [start, end, acc])),
    ]);
    for (const [start, , , timer] of list) if (timer) timers.push([key, start, timer[0], timer[1]]);
  }
  timers.sort((a, b) => a[2] - b[2] || a[3] - b[3]);
  return {
    firedUpTo: meta.firedUpTo,
    sessions,
    timers: timers.map(([key, start, time]) => [key, start, time]),
  };
};

/** `[...state]`, and the live timers of event time, then of processing time, each in firing order. */
const processFunction = (entries: StateEntry[]): ProcessV1 => {
  const state: ProcessV1['state'] = [];
  const timers: [domain: 'event' | 'processing', key: Key, time: number, seq: number][] = [];
  for (const [key, , value] of entries) {
    const { s, t = [] } = value as SavedProcessKey;
    if (s !== undefined) state.push([key, s]);
    for (const [domain, time, seq] of t) timers.push([domain, key, time, seq]);
  }
  const firing = (domain: 'event' | 'processing') =>
    timers
      .filter((timer) => timer[0] === domain)
      .sort((a, b) => a[2] - b[2] || a[3] - b[3])
      .map(([, key, time]): ProcessV1['timers'][number] => [domain, key, time]);
  return { state, timers: [...firing('event'), ...firing('processing')] };
};

/** Every remembered `[key, time]`, key by key. */
const dedupe = (meta: DedupeMeta, entries: StateEntry[]): DedupeV1 => ({
  watermark: meta.watermark,
  seen: entries.flatMap(([key, , times]) => (times as number[]).map((time): [Key, number] => [key, time])),
});

/** Each side's buffered records per key, keys that buffer none on a side left out of it. */
const intervalJoin = (entries: StateEntry[]): IntervalJoinV1 => {
  const side = (pick: (saved: SavedJoinKey) => [unknown, number][]): IntervalJoinV1['left'] =>
    entries
      .map(([key, , value]): [Key, [unknown, number][]] => [key, pick(value as SavedJoinKey)])
      .filter(([, records]) => records.length > 0);
  return { left: side((saved) => saved.l), right: side((saved) => saved.r) };
};
