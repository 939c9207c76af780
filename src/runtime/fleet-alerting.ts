import pg from 'pg';
import type { Registry } from 'prom-client';
import type { Observation } from '../alerts/model.js';
import type { AlertingDocument } from '../alerts/schema.js';
import type { AlertEvent, AlertingApi, SeriesPoint } from '../contract/index.js';
import type { Clock } from '../engine/time/clock.js';
import { describeError } from '../errors.js';
import type { FleetMessage } from '../live/fleet-message.js';
import { answerCall, RemoteAlerting } from '../live/remote-alerting.js';
import type { Logger } from '../observability/logger.js';
import type { SeriesStore } from '../store/series-store.js';
import { redactUrl } from '../store/store-errors.js';
import { PlatformAlerting } from './alerting.js';

/** How often a node tries to take the lock, and the holder checks it still has it. */
export const LEADER_POLL_MS = 1_000;

export interface FleetAlertingOptions {
  readonly document: AlertingDocument;
  /** The store the workers write to: the alert state lives beside it. */
  readonly store: SeriesStore;
  /** The same PostgreSQL, for the connection that holds the lock. */
  readonly database: { readonly url: string; readonly schema: string };
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** This node, and how it talks to the others (Redis). */
  readonly node: string;
  readonly tell: (message: FleetMessage) => void;
  /** Alert events, to this node's WebSocket clients and every other node's. */
  readonly publish: (event: AlertEvent) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * Alerting across the API nodes of a deployment: exactly one node evaluates the rules — the
 * one holding a PostgreSQL advisory lock (one per store schema), taken on a connection of
 * its own. It is fed the results every worker stores (the `series:` live updates), the
 * observations of the pattern-rule pipelines (told by the workers), and the deployment's
 * metrics as this node sees them; it alone sends notifications, and keeps the alert state
 * in PostgreSQL. The other nodes ask it whatever the alert routes ask (RemoteAlerting).
 *
 * When the holder stops or dies, PostgreSQL ends its session and with it the lock; another
 * node takes it within a second or two and carries on from the state in PostgreSQL — what
 * each receiver was told included, so nothing is notified twice. A holder whose connection
 * fails steps down at once (the lock may be someone else's by then).
 */
export class FleetAlerting {
  private readonly remote: RemoteAlerting;
  private leader: PlatformAlerting | undefined;
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: FleetAlertingOptions) {
    this.remote = new RemoteAlerting(options.node, options.tell);
  }

  /** Tries for the lock now and then every second. */
  start(): Promise<void> {
    this.timer = setInterval(() => {
      this.round = this.round.then(() => this.contend());
    }, LEADER_POLL_MS);
    this.round = this.contend();
    return this.round;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.round;
    this.remote.close();
    await this.stepDown();
  }

  /** True while this node evaluates the rules. */
  get leading(): boolean {
    return this.leader !== undefined;
  }

  /** What the alert routes use: the engine here, or the node that has it. */
  api(): AlertingApi {
    return this.leader?.engine ?? this.remote;
  }

  /** Results a worker stored, as this node receives them. */
  observeSeries(series: string, points: readonly SeriesPoint[]): void {
    this.leader?.observeSeries(series, points);
  }

  /** What the other processes tell: pattern observations and calls for the holder, answers for the rest. */
  receive(message: FleetMessage): void {
    if (message.kind === 'observations') this.leader?.observe(message.observations as Observation[]);
    else if (message.kind === 'alerting-answer') this.remote.receive(message);
    else if (message.kind === 'alerting-call' && this.leader) {
      void answerCall(this.leader.engine, message, this.options.node).then(this.options.tell);
    }
  }

  /** One round: take the lock if free, or check that it is still held. */
  private async contend(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.leader) {
        await this.client!.query('SELECT 1');
        return;
      }
      this.client ??= await this.connect();
      const { rows } = await this.client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [`tributary.alerts.${this.options.database.schema}`],
      );
      if (rows[0]?.locked) await this.lead();
    } catch (error) {
      this.options.logger?.warn(
        { error: describeError(error).message, database: redactUrl(this.options.database.url) },
        this.leader
          ? 'the connection that holds the alerting lock failed: this node stops evaluating the rules'
          : 'could not try for the alerting lock; trying again',
      );
      await this.stepDown();
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.options.database.url });
    // A failed connection is seen by the next query; without a listener it would crash the process.
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  private async lead(): Promise<void> {
    const { options } = this;
    this.leader = await PlatformAlerting.open({
      document: options.document,
      store: options.store,
      registry: options.registry,
      clock: options.clock,
      logger: options.logger,
      publish: options.publish,
      onError: options.onError,
    });
    this.leader.start();
    options.logger?.info({ node: options.node }, 'this API node evaluates the alert rules now');
  }

  private async stepDown(): Promise<void> {
    const { leader, client } = this;
    this.leader = undefined;
    this.client = undefined;
    await leader?.close().catch((error) => this.options.onError(error));
    // The engine's metrics go with it: the next term registers them again.
    if (leader)
      for (const metric of this.options.registry.getMetricsAsArray())
        if (metric.name.startsWith('tributary_alert')) this.options.registry.removeSingleMetric(metric.name);
    // Ending the session releases the lock.
    await client?.end().catch(() => {});
  }
}
