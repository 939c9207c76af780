/**
 * The clients of `ws-fanout`, in a process of their own so that the server's process does
 * none of their work and a stalled server cannot stall the clock that measures it. Driven
 * by its parent over the IPC channel:
 *
 * - `connect`: opens `clients` WebSockets to `url` and subscribes each to `channel` with the
 *   dashboard's message (`{"subscribe": [channel]}`); answers `connected` once every one
 *   has its `{"subscribed": …}`.
 * - `collect`: the results the server produced and when, by id (`key`, NUL, window start),
 *   once per way of stamping them; waits until every client has every result (or
 *   `graceMs` passes), closes the sockets and answers the latencies of every (result,
 *   client) pair, what was missed, and the frames that carried them.
 * - `report`: every latency collected under each name so far, pooled; then exits.
 *
 * Every frame is stamped on arrival (`performance.timeOrigin + performance.now()`, the
 * machine's wall clock, which the server's process reads too) before anything else is done
 * with it. All clients get the same text for a frame, so it is parsed once per process:
 * 1,000 parses of one frame would bill this process's work to the server's latency.
 */
import WebSocket from 'ws';

export interface ConnectRequest {
  readonly type: 'connect';
  readonly url: string;
  readonly channel: string;
  readonly clients: number;
}

export interface CollectRequest {
  readonly type: 'collect';
  /** By name (e.g. `published`, `closingEvent`): `[result id, produced at]` for the same results. */
  readonly produced: Readonly<Record<string, readonly (readonly [string, number])[]>>;
  readonly graceMs: number;
}

export type ClientsRequest = ConnectRequest | CollectRequest | { readonly type: 'report' };

export interface Latencies {
  readonly pairs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly minMs: number;
}

export interface Collected {
  readonly type: 'collected';
  readonly results: number;
  /** (result, client) pairs that never arrived. */
  readonly missed: number;
  /** Update frames carrying the results, as the server sent them, and those a client lacks. */
  readonly frames: number;
  readonly missedFrames: number;
  /** A result a client got twice. */
  readonly duplicates: number;
  readonly latencies: Readonly<Record<string, Latencies>>;
}

export type ClientsAnswer =
  | { readonly type: 'connected'; readonly ms: number }
  | Collected
  | { readonly type: 'reported'; readonly latencies: Readonly<Record<string, Latencies>> }
  | { readonly type: 'failed'; readonly error: string };

const now = (): number => performance.timeOrigin + performance.now();

/** One result as the clients see it: when each of them got it. */
interface Arrivals {
  readonly at: Float64Array;
  received: number;
}

/** One distinct frame text: the results it carries and how many clients got it. */
interface Frame {
  readonly results: readonly Arrivals[];
  readonly subscribed: boolean;
  readonly error: string | undefined;
  deliveries: number;
}

class Phase {
  readonly sockets: WebSocket[] = [];
  readonly arrivals = new Map<string, Arrivals>();
  readonly frames = new Map<string, Frame>();
  duplicates = 0;

  constructor(
    readonly channel: string,
    readonly clients: number,
  ) {}

  frameOf(text: string): Frame {
    let frame = this.frames.get(text);
    if (frame) return frame;
    const message = JSON.parse(text) as {
      channel?: string;
      data?: { key: string; start: number }[];
      subscribed?: string[];
      error?: { message: string };
    };
    const results =
      message.channel === this.channel && Array.isArray(message.data)
        ? message.data.map((point) => this.arrivalsOf(`${point.key}\u0000${point.start}`))
        : [];
    frame = {
      results,
      subscribed: message.subscribed?.includes(this.channel) ?? false,
      error: message.error?.message,
      deliveries: 0,
    };
    this.frames.set(text, frame);
    return frame;
  }

  arrivalsOf(id: string): Arrivals {
    let arrivals = this.arrivals.get(id);
    if (!arrivals) {
      arrivals = { at: new Float64Array(this.clients).fill(Number.NaN), received: 0 };
      this.arrivals.set(id, arrivals);
    }
    return arrivals;
  }
}

let phase: Phase | undefined;
const pooled = new Map<string, number[]>();

const send = (answer: ClientsAnswer): void => {
  process.send?.(answer);
};

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const latenciesOf = (values: Float64Array | number[]): Latencies => {
  const sorted = Float64Array.from(values).sort();
  return {
    pairs: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
    minMs: sorted.length === 0 ? Number.NaN : sorted[0],
  };
};

/** Opens one client and resolves once the server confirmed its subscription. */
const open = (current: Phase, url: string, index: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    current.sockets[index] = socket;
    let subscribed = false;
    socket.on('open', () => socket.send(JSON.stringify({ subscribe: [current.channel] })));
    socket.on('message', (data: Buffer) => {
      const at = now();
      const frame = current.frameOf(data.toString());
      frame.deliveries++;
      for (const result of frame.results) {
        if (Number.isNaN(result.at[index])) {
          result.at[index] = at;
          result.received++;
        } else current.duplicates++;
      }
      if (frame.error !== undefined) reject(new Error(`client ${index}: the server refused: ${frame.error}`));
      if (frame.subscribed && !subscribed) {
        subscribed = true;
        resolve();
      }
    });
    socket.on('error', (error) => reject(new Error(`client ${index}: ${error.message}`)));
    socket.on('close', (code) => {
      if (!subscribed) reject(new Error(`client ${index}: closed (${code}) before it subscribed`));
    });
  });

/** Opens the clients a few at a time: a thousand SYNs at once would overflow the listen backlog. */
const connect = async (request: ConnectRequest): Promise<void> => {
  const started = performance.now();
  const current = new Phase(request.channel, request.clients);
  phase = current;
  let next = 0;
  const opener = async (): Promise<void> => {
    while (next < request.clients) await open(current, request.url, next++);
  };
  await Promise.all(Array.from({ length: Math.min(50, request.clients) }, opener));
  send({ type: 'connected', ms: performance.now() - started });
};

const closeAll = async (current: Phase): Promise<void> => {
  const closed = current.sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close(1000, 'done');
        setTimeout(() => socket.terminate(), 2000).unref();
      }),
  );
  await Promise.all(closed);
};

const collect = async (request: CollectRequest): Promise<void> => {
  const current = phase;
  if (!current) throw new Error('collect before connect');
  const [first = []] = Object.values(request.produced);
  const ids = first.map(([id]) => id);
  const measured = ids.map((id) => current.arrivalsOf(id));
  const deadline = performance.now() + request.graceMs;
  while (measured.some((a) => a.received < current.clients) && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await closeAll(current);
  phase = undefined;

  const latencies: Record<string, Latencies> = {};
  for (const [name, produced] of Object.entries(request.produced)) {
    const values = new Float64Array(produced.length * current.clients);
    let n = 0;
    for (const [id, at] of produced) {
      const arrivals = current.arrivalsOf(id).at;
      for (let c = 0; c < arrivals.length; c++)
        if (!Number.isNaN(arrivals[c])) values[n++] = arrivals[c] - at;
    }
    const phaseValues = values.subarray(0, n);
    latencies[name] = latenciesOf(phaseValues);
    let all = pooled.get(name);
    if (!all) pooled.set(name, (all = []));
    for (const value of phaseValues) all.push(value);
  }
  const wanted = new Set(measured);
  const frames = [...current.frames.values()].filter((f) => f.results.some((r) => wanted.has(r)));
  const missed = measured.reduce((sum, a) => sum + (current.clients - a.received), 0);
  send({
    type: 'collected',
    results: measured.length,
    missed,
    frames: frames.length,
    missedFrames: frames.reduce((sum, f) => sum + (current.clients - f.deliveries), 0),
    duplicates: current.duplicates,
    latencies,
  });
};

const handle = async (request: ClientsRequest): Promise<void> => {
  if (request.type === 'connect') await connect(request);
  else if (request.type === 'collect') await collect(request);
  else {
    const latencies: Record<string, Latencies> = {};
    for (const [name, values] of pooled) latencies[name] = latenciesOf(values);
    send({ type: 'reported', latencies });
    process.disconnect();
  }
};

process.on('message', (request: ClientsRequest) => {
  handle(request).catch((error: unknown) => {
    send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
  });
});
// The parent gone (ended, or killed), nothing is left to report to.
process.on('disconnect', () => process.exit(0));
