import { onScopeDispose, type ShallowRef, shallowRef } from 'vue';
import type { PipelineStatus } from '../../../src/contract/index.js';
import { ApiError, api } from '../api/client';
import { RingBuffer } from '../lib/ring-buffer';
import { live } from '../live/live';

export interface ThroughputSample {
  readonly t: number;
  readonly eventsIn: number;
  readonly eventsOut: number;
}

/** Five minutes of per-pipeline throughput at one update per second. */
const HISTORY_CAPACITY = 300;
/** Leaves room for a view's own channels under the server's 64 subscriptions per connection. */
const MAX_LIVE_PIPELINES = 48;

export interface PipelinesFeed {
  /** In the server's order; live values replace the REST ones as they arrive. */
  readonly list: ShallowRef<readonly PipelineStatus[]>;
  readonly loading: ShallowRef<boolean>;
  readonly error: ShallowRef<ApiError | null>;
  readonly history: Map<string, RingBuffer<ThroughputSample>>;
  /** Pipelines beyond the live limit show their REST values. */
  readonly liveCount: ShallowRef<number>;
}

const feed: PipelinesFeed = {
  list: shallowRef([]),
  loading: shallowRef(true),
  error: shallowRef(null),
  history: new Map(),
  liveCount: shallowRef(0),
};

/** Subscriptions (and their history) outlive the last view by this much: moving between views keeps them. */
const LINGER_MS = 60_000;

let users = 0;
let lingerTimer: ReturnType<typeof setTimeout> | undefined;
let active = false;
let leave: (() => void)[] = [];
let stopReconnect: (() => void) | undefined;
let generation = 0;
/** Updates received since the last frame, applied together: one re-render per frame, not per pipeline. */
const pending = new Map<string, PipelineStatus>();
let flushScheduled = false;

const flush = (): void => {
  flushScheduled = false;
  if (pending.size === 0) return;
  feed.list.value = feed.list.value.map((p) => pending.get(p.name) ?? p);
  pending.clear();
};

const receive = (status: PipelineStatus): void => {
  feed.history.get(status.name)?.push({
    t: Date.now(),
    eventsIn: status.eventsInPerSec,
    eventsOut: status.eventsOutPerSec,
  });
  pending.set(status.name, status);
  if (!flushScheduled) {
    flushScheduled = true;
    setTimeout(flush, 50);
  }
};

const subscribeAll = (pipelines: readonly PipelineStatus[]): void => {
  for (const stop of leave) stop();
  leave = [];
  const shown = pipelines.slice(0, MAX_LIVE_PIPELINES);
  for (const name of [...feed.history.keys()]) {
    if (!shown.some((p) => p.name === name)) feed.history.delete(name);
  }
  for (const pipeline of shown) {
    if (!feed.history.has(pipeline.name)) feed.history.set(pipeline.name, new RingBuffer(HISTORY_CAPACITY));
    leave.push(live.subscribe(`pipeline:${pipeline.name}`, (data) => receive(data as PipelineStatus)));
  }
  feed.liveCount.value = shown.length;
};

const load = async (): Promise<void> => {
  const mine = generation;
  try {
    const pipelines = await api.pipelines();
    if (mine !== generation) return;
    feed.list.value = pipelines;
    feed.error.value = null;
    subscribeAll(pipelines);
  } catch (error) {
    if (mine !== generation) return;
    feed.error.value = error instanceof ApiError ? error : new ApiError(0, 'UNKNOWN', String(error));
  } finally {
    if (mine === generation) feed.loading.value = false;
  }
};

/**
 * Every pipeline's live status, shared by the views that show them all: the list comes
 * over REST once (and again after a reconnection, since the server may run other
 * pipelines now), then each pipeline's channel keeps it current. Reference-counted: the
 * subscriptions end a minute after the last view using them is gone.
 */
export const acquirePipelines = (): { feed: PipelinesFeed; release: () => void } => {
  users++;
  clearTimeout(lingerTimer);
  if (!active) {
    active = true;
    generation++;
    feed.loading.value = feed.list.value.length === 0;
    void load();
    stopReconnect = live.onReconnect(() => void load());
  }
  let released = false;
  return {
    feed,
    release: () => {
      if (released) return;
      released = true;
      users--;
      if (users === 0) lingerTimer = setTimeout(stop, LINGER_MS);
    },
  };
};

const stop = (): void => {
  if (users > 0 || !active) return;
  active = false;
  generation++;
  stopReconnect?.();
  for (const unsubscribe of leave) unsubscribe();
  leave = [];
  pending.clear();
  feed.history.clear();
};

/** `acquirePipelines` for the lifetime of the calling component. */
export const usePipelines = (): PipelinesFeed => {
  const { feed: shared, release } = acquirePipelines();
  onScopeDispose(release);
  return shared;
};
