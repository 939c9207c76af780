import { type Static, Type } from 'typebox';
import type { AlertEvent } from './alerts.js';
import { ErrorBodySchema } from './errors.js';
import type { PipelineStatus } from './pipelines.js';
import type { SeriesPoint } from './series.js';
import type { PlatformStats } from './stats.js';

/** What each channel carries: `series:<name>` and `pipeline:<name>` by their prefix. */
export interface LiveChannels {
  /** Every second. */
  readonly stats: PlatformStats;
  /** Every second. */
  readonly pipeline: PipelineStatus;
  /** The points just stored, merged while a client waits for its next frame. */
  readonly series: readonly SeriesPoint[];
  readonly alerts: AlertEvent;
}

/** `GET /ws`: the key, for clients that cannot set headers (browsers). */
export const LiveQuerySchema = Type.Object({
  apiKey: Type.Optional(Type.String({ description: 'API key, for clients that cannot set headers' })),
});

const Channels = Type.Array(
  Type.String({ description: '"stats", "alerts", "series:<name>" or "pipeline:<name>"' }),
);

/** A message a client sends: a message is applied whole or not at all. */
export const LiveRequestSchema = Type.Object({
  subscribe: Type.Optional(Channels),
  unsubscribe: Type.Optional(Channels),
});
export type LiveRequest = Static<typeof LiveRequestSchema>;

/** The messages the server sends. */
export const LiveUpdateSchema = Type.Object({ channel: Type.String(), data: Type.Unknown() });
export type LiveUpdate = Static<typeof LiveUpdateSchema>;
export const LiveSubscribedSchema = Type.Object({ subscribed: Channels });
export const LiveUnsubscribedSchema = Type.Object({ unsubscribed: Channels });
export const LiveMessageSchema = Type.Union([
  LiveUpdateSchema,
  LiveSubscribedSchema,
  LiveUnsubscribedSchema,
  ErrorBodySchema,
]);
export type LiveMessage = Static<typeof LiveMessageSchema>;
