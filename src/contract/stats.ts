import { type Static, Type } from 'typebox';
import { Count, Nullable } from './fields.js';

/** `GET /api/v1/stats`, and every second on the `stats` channel. Every number is measured. */
export const PlatformStatsSchema = Type.Object({
  eventsInPerSec: Type.Number({ description: 'Events appended by all sources per second' }),
  eventsOutPerSec: Type.Number({ description: 'Records delivered to sinks per second' }),
  activeSources: Count,
  latencyMs: Type.Object(
    { p50: Nullable(Type.Number()), p99: Nullable(Type.Number()) },
    { description: 'From append to the log until the result reached its sink' },
  ),
  deadLettered: Count,
  lateEvents: Count,
  uptimeSec: Count,
});
export type PlatformStats = Static<typeof PlatformStatsSchema>;
