import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';
import type { LiveMetrics } from './live/live-hub.js';

/** Buckets in seconds, from a cached GET to a large ingest batch. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A metric by name: registered once per registry, so that a second server on the same
 * platform (a test, a restart in-process) shares it instead of failing to register.
 */
const metric = <M extends Metric>(registry: Registry, name: string, create: () => M): M =>
  (registry.getSingleMetric(name) as M | undefined) ?? create();

/** The server's own metrics, added to the platform's registry. */
export interface ServerMetrics {
  readonly requests: Counter<'method' | 'route' | 'status_code'>;
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly ingestedEvents: Counter<'stream'>;
  readonly live: LiveMetrics;
}

export const createServerMetrics = (registry: Registry): ServerMetrics => {
  const registers = [registry];
  const requests = metric(
    registry,
    'tributary_http_requests_total',
    () =>
      new Counter({
        name: 'tributary_http_requests_total',
        help: 'HTTP requests answered, by method, route template and status code.',
        labelNames: ['method', 'route', 'status_code'] as const,
        registers,
      }),
  );
  const requestDuration = metric(
    registry,
    'tributary_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'tributary_http_request_duration_seconds',
        help: 'Time from receiving an HTTP request to the end of its answer, by route template and status.',
        labelNames: ['method', 'route', 'status_code'] as const,
        buckets: DURATION_BUCKETS,
        registers,
      }),
  );
  const ingestedEvents = metric(
    registry,
    'tributary_http_ingested_events_total',
    () =>
      new Counter({
        name: 'tributary_http_ingested_events_total',
        help: 'Events accepted by POST /api/v1/streams/:stream/events, by stream.',
        labelNames: ['stream'] as const,
        registers,
      }),
  );
  const clients = metric(
    registry,
    'tributary_ws_clients',
    () => new Gauge({ name: 'tributary_ws_clients', help: 'WebSocket clients connected to /ws.', registers }),
  );
  const subscriptions = metric(
    registry,
    'tributary_ws_subscriptions',
    () =>
      new Gauge({
        name: 'tributary_ws_subscriptions',
        help: 'Channel subscriptions held by connected WebSocket clients.',
        registers,
      }),
  );
  const sent = metric(
    registry,
    'tributary_ws_messages_sent_total',
    () =>
      new Counter({
        name: 'tributary_ws_messages_sent_total',
        help: 'Frames sent to WebSocket clients, by kind (update, control, error).',
        labelNames: ['kind'] as const,
        registers,
      }),
  );
  const received = metric(
    registry,
    'tributary_ws_messages_received_total',
    () =>
      new Counter({
        name: 'tributary_ws_messages_received_total',
        help: 'Messages received from WebSocket clients.',
        registers,
      }),
  );
  const dropped = metric(
    registry,
    'tributary_ws_clients_dropped_total',
    () =>
      new Counter({
        name: 'tributary_ws_clients_dropped_total',
        help: 'WebSocket clients disconnected by the server: slow (send buffer full) or heartbeat (no pong).',
        labelNames: ['reason'] as const,
        registers,
      }),
  );
  const coalesced = metric(
    registry,
    'tributary_ws_updates_coalesced_total',
    () =>
      new Counter({
        name: 'tributary_ws_updates_coalesced_total',
        help: 'Channel updates folded into a later frame by the per-channel rate limit.',
        registers,
      }),
  );
  return {
    requests,
    requestDuration,
    ingestedEvents,
    live: {
      clientConnected: () => clients.inc(),
      clientDisconnected: () => clients.dec(),
      clientDropped: (reason) => dropped.inc({ reason }),
      messageReceived: () => received.inc(),
      messageSent: (kind) => sent.inc({ kind }),
      subscriptionsChanged: (delta) => subscriptions.inc(delta),
      updateCoalesced: () => coalesced.inc(),
    },
  };
};
