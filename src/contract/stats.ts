import { type Static, Type } from 'typebox';
import { Count, List, Millis, Nullable } from './fields.js';

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

/** `GET /api/v1/stats/history`: what the `stats` channel sent over the last 10 minutes, oldest first. */
export const StatsHistorySchema = Type.Object({
  samples: List(
    Type.Object({ at: Millis, ...PlatformStatsSchema.properties }, { description: 'The stats at `at`' }),
  ),
});
export type StatsHistory = Static<typeof StatsHistorySchema>;
