import { type Static, Type } from 'typebox';
import { List } from './fields.js';

/** One event as the platform appends it: a JSON value, already parsed and checked by the route. */
export const IngestEventSchema = Type.Object({
  value: Type.Unknown(),
  key: Type.Optional(Type.String({ description: 'Key for partitioning, if the client gave one' })),
});
export type IngestEvent = Static<typeof IngestEventSchema>;

export const IngestResultSchema = Type.Object({
  accepted: Type.Integer({ minimum: 1 }),
  firstOffset: Type.Optional(
    Type.Integer({ description: 'Log offset of the first event, when all went to one partition' }),
  ),
  lastOffset: Type.Optional(
    Type.Integer({ description: 'Log offset of the last event, when all went to one partition' }),
  ),
  // The partitions the events went to, ascending.
  partitions: List(
    Type.Object({
      partition: Type.Integer({ minimum: 0 }),
      firstOffset: Type.Integer({ description: "Log offset of the partition's first event of the batch" }),
      lastOffset: Type.Integer({ description: "Log offset of the partition's last event of the batch" }),
    }),
  ),
});
export type IngestResult = Static<typeof IngestResultSchema>;

// ---- routes: /api/v1/streams ----

export const StreamListSchema = Type.Object({ streams: List(Type.String()) });
export type StreamList = Static<typeof StreamListSchema>;

export const StreamParamsSchema = Type.Object({
  stream: Type.String({ description: 'A stream (configured source) name' }),
});

export const IngestQuerySchema = Type.Object({
  keyField: Type.Optional(
    Type.String({
      description: 'Top-level field whose value (string, number, boolean) becomes the partition key',
    }),
  ),
});

const AnEvent = Type.Object({}, { additionalProperties: true, description: 'Any JSON object' });

/** `POST /api/v1/streams/:stream/events`: one body, by content type. */
export const IngestBodySchema = {
  content: {
    'application/json': { schema: Type.Union([AnEvent, Type.Array(AnEvent, { minItems: 1 })]) },
    'application/x-ndjson': { schema: Type.String({ description: 'One JSON object per line' }) },
  },
};
