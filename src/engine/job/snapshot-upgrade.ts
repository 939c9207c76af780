import type { Key } from '../batch.js';
import type { DedupeMeta } from '../operators/dedupe.js';
import type { SavedKey as SavedJoinKey } from '../operators/interval-join.js';
import type { ProcessMeta, SavedKey as SavedProcessKey, TimerDomain } from '../operators/process.js';
import type { Plan, PlanNode } from '../plan/plan.js';
import type { StateEntry } from '../state/keyed-state.js';
import type { EventTimeMeta } from '../time/event-time.js';
import type { FixedWindowsMeta, SavedSlot } from '../windows/fixed-windows.js';
import type { SavedSession, SessionWindowsMeta } from '../windows/session-windows.js';
import type { JobSnapshot } from './job.js';
import type { NodeMeta } from './runtime-node.js';

/*
 * Checkpoints from before keyed state was kept by key group. Format 1 held each stateful
 * operator's whole state under its node's `state`; format 2 at first still did so for session
 * windows and event time. `upgradeSnapshot` turns both into meta and keyed entries, so that a
 * pipeline restarted on a newer version goes on where it stopped. The shapes below are what
 * the operators' old `snapshot()` wrote (commit 440b9f3, plus the fields marked as added
 * later); they are read here and nowhere else.
 */

/** A node of a format-1 checkpoint: its watermarks as today, and its operator's whole state. */
export interface NodeSnapshotV1 {
  watermark: number | string;
  idle: boolean;
  inputs: (number | string)[];
  inputIdle: boolean[];
  state?: unknown;
}

export interface JobSnapshotV1 {
  readonly version: 1;
  readonly pipeline: string;
  readonly nodes: Record<string, NodeSnapshotV1>;
  /** Added with `Job.endOfInput`, still in format 1. */
  readonly ended?: true;
}

/** Tumbling and hopping windows: per window by start, `[key, accumulator]` in the order keys joined it. */
export interface FixedWindowsV1 {
  firedUpTo: number | string;
  windows: [start: number, slots: [Key, unknown][]][];
}

/** Session windows: each key's sessions by start, and every pending timer in firing order. */
export interface SessionWindowsV1 {
  firedUpTo: number | string;
  /** `emitted` (the rows retractions need) was added with retractions, still in format 1. */
  sessions: [Key, [start: number, end: number, acc: unknown, emitted?: SavedSession[4]][]][];
  timers: [key: Key, start: number, time: number][];
}

/** Process functions: each key's state, and the live timers of each domain in firing order. */
export interface ProcessV1 {
  state: [Key, unknown][];
  timers: [domain: TimerDomain, key: Key, time: number][];
}

/** Dedupe: every remembered `[key, time]`. */
export interface DedupeV1 {
  watermark: number | string;
  seen: [Key, time: number][];
}

/** Interval joins: each side's buffered `[value, timestamp]` per key. */
export interface IntervalJoinV1 {
  left: [Key, [value: unknown, timestamp: number][]][];
  right: [Key, [value: unknown, timestamp: number][]][];
}

/**
 * Event time kept its shape: `EventTimeMeta` without `silentFor` and `runningFor` at first,
 * which its loader reads as "silent for 0 ms", as format 1 restored it.
 */
export type EventTimeV1 = EventTimeMeta;

type Upgraded = Pick<NodeMeta, 'meta'> & { entries?: StateEntry[] };

/**
 * The checkpoint as `Job.restore` takes it today. A format-1 checkpoint, or a format-2 one
 * whose nodes still carry whole `state`, is converted by each node's kind in `plan`; any
 * other is returned as it is (and `Job.restore` judges whether it fits).
 *
 * @example
 * job.restore(upgradeSnapshot(JSON.parse(stored), plan)); // Job.restore calls it itself
 */
export const upgradeSnapshot = (saved: JobSnapshot | JobSnapshotV1, plan: Plan): JobSnapshot => {
  const legacy = saved.version === 1 || Object.values(saved.nodes).some((node) => 'state' in node);
  if (!legacy) return saved as JobSnapshot;
  const planNodes = new Map(plan.nodes.map((node) => [node.id, node]));
  const nodes: JobSnapshot['nodes'] = {};
  for (const [id, node] of Object.entries(saved.nodes)) {
    const { state, ...rest } = node as NodeSnapshotV1 & JobSnapshot['nodes'][string];
    const planNode = planNodes.get(id);
    // A node the plan no longer has keeps its place, so that Job.restore names it.
    nodes[id] = state === undefined || !planNode ? rest : { ...rest, ...upgradeState(planNode, state) };
  }
  return saved.ended
    ? { version: 2, pipeline: saved.pipeline, nodes, ended: true }
    : { version: 2, pipeline: saved.pipeline, nodes };
};

const upgradeState = (node: PlanNode, state: unknown): Upgraded => {
  switch (node.kind) {
    case 'source':
    case 'eventTime':
      return { meta: state as EventTimeV1 };
    case 'window':
      return node.assigner.kind === 'session'
        ? sessionWindows(state as SessionWindowsV1)
        : fixedWindows(state as FixedWindowsV1);
    case 'process':
      return processFunction(state as ProcessV1);
    case 'dedupe':
      return dedupe(state as DedupeV1);
    case 'intervalJoin':
      return intervalJoin(state as IntervalJoinV1);
    default:
      return {};
  }
};

const fixedWindows = ({ firedUpTo, windows }: FixedWindowsV1): Upgraded => {
  // A window fires its keys in the order they joined it, which is their saved order.
  let order = 0;
  const entries: StateEntry[] = [];
  for (const [start, slots] of windows) {
    for (const [key, acc] of slots) entries.push([key, start, [order++, acc] satisfies SavedSlot]);
  }
  const meta: FixedWindowsMeta = { firedUpTo, nextOrder: order };
  return { meta, entries };
};

const sessionWindows = ({ firedUpTo, sessions, timers }: SessionWindowsV1): Upgraded => {
  // Timers were saved in firing order: their positions are their sequence numbers.
  const timerOf = new Map<Key, Map<number, [time: number, seq: number]>>();
  timers.forEach(([key, start, time], seq) => {
    entryOf(timerOf, key, () => new Map()).set(start, [time, seq]);
  });
  const entries = sessions.map(([key, list]): StateEntry => {
    const saved = list.map(([start, end, acc, emitted]): SavedSession => {
      const timer = timerOf.get(key)?.get(start) ?? null;
      return emitted ? [start, end, acc, timer, emitted] : [start, end, acc, timer];
    });
    return [key, 0, saved];
  });
  const meta: SessionWindowsMeta = { firedUpTo, seq: timers.length };
  return { meta, entries };
};

const processFunction = ({ state, timers }: ProcessV1): Upgraded => {
  const keys = new Map<Key, SavedProcessKey>();
  const saved = (key: Key) => entryOf(keys, key, (): SavedProcessKey => ({}));
  for (const [key, value] of state) saved(key).s = value;
  // Each domain's timers were saved in firing order: their positions are their sequence numbers.
  const seq = { event: 0, processing: 0 };
  for (const [domain, key, time] of timers) {
    (saved(key).t ??= []).push([domain, time, seq[domain]++]);
  }
  const meta: ProcessMeta = { seq };
  return { meta, entries: [...keys].map(([key, value]): StateEntry => [key, 0, value]) };
};

const dedupe = ({ watermark, seen }: DedupeV1): Upgraded => {
  const times = new Map<Key, number[]>();
  for (const [key, time] of seen) entryOf(times, key, () => []).push(time);
  const meta: DedupeMeta = { watermark };
  return { meta, entries: [...times].map(([key, list]): StateEntry => [key, 0, list]) };
};

const intervalJoin = ({ left, right }: IntervalJoinV1): Upgraded => {
  const keys = new Map<Key, SavedJoinKey>();
  const side = (key: Key) => entryOf(keys, key, (): SavedJoinKey => ({ l: [], r: [] }));
  for (const [key, records] of left) side(key).l.push(...records);
  for (const [key, records] of right) side(key).r.push(...records);
  return { entries: [...keys].map(([key, saved]): StateEntry => [key, 0, saved]) };
};

const entryOf = <V>(map: Map<Key, V>, key: Key, create: () => V): V => {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
};
