import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  errorResponses,
  IngestBodySchema,
  IngestQuerySchema,
  IngestResultSchema,
  type PlatformApi,
  StreamListSchema,
  StreamParamsSchema,
} from '../../contract/index.js';
import { badRequest, listNames, notFound } from '../http-errors.js';
import { type BodyFormat, EventParseError, MAX_EVENT_DEPTH, parseEvents } from '../ingest/parse-events.js';
import type { ServerMetrics } from '../server-metrics.js';

export interface StreamsOptions {
  readonly platform: PlatformApi;
  readonly metrics: ServerMetrics;
}

/** The body as text, tagged with its format: the route parses it itself, once. */
interface RawBody {
  readonly format: BodyFormat;
  readonly text: string;
}

// The body schema is for the docs; the route checks the body itself (faster, and its
// errors name the NDJSON line or array index), so validation passes every part through.
const passThrough = () => (value: unknown) => ({ value });

/**
 * `POST /api/v1/streams/:stream/events`: a JSON object, a JSON array of objects, or NDJSON,
 * appended with one `platform.ingest` call. Hot path: the body is read as one string and
 * parsed once; nothing is awaited per event.
 */
export const streamsPlugin: FastifyPluginAsyncTypebox<StreamsOptions> = async (
  app,
  { platform, metrics },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) =>
    done(null, { format: 'json', text: text as string } satisfies RawBody),
  );
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_request, text, done) =>
    done(null, { format: 'ndjson', text: text as string } satisfies RawBody),
  );

  app.get(
    '',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Streams that accept events',
        tags: ['ingest'],
        response: { 200: StreamListSchema, ...errorResponses(401, 403) },
      },
    },
    async () => ({ streams: platform.streams() }),
  );

  // Refuses an unknown stream before the body is read, not after 16 MiB of it.
  const knownStream = async (request: FastifyRequest): Promise<void> => {
    const { stream } = request.params as { stream: string };
    const streams = platform.streams();
    if (!streams.includes(stream)) {
      throw notFound(`no stream ${JSON.stringify(stream)}; ${listNames('streams', streams)}`);
    }
  };

  app.post(
    '/:stream/events',
    {
      config: { scope: 'ingest' },
      onRequest: knownStream,
      validatorCompiler: passThrough,
      schema: {
        summary: 'Append events: a JSON object, a JSON array of objects, or NDJSON (one object per line)',
        description:
          'All or nothing: the first bad event refuses the whole body with 400 naming its NDJSON line (1-based) ' +
          `or array index. Blank NDJSON lines are skipped. Events nested deeper than ${MAX_EVENT_DEPTH} levels ` +
          'or holding numbers beyond the double range (1e400) are refused. Answers once the events are in the log.',
        tags: ['ingest'],
        params: StreamParamsSchema,
        querystring: IngestQuerySchema,
        body: IngestBodySchema,
        response: { 202: IngestResultSchema, ...errorResponses(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const { stream } = request.params;
      const keyField = (request.query as Record<string, unknown>).keyField;
      if (keyField !== undefined && (typeof keyField !== 'string' || keyField === '')) {
        throw badRequest('keyField: give one field name, e.g. keyField=userId (query parameter)');
      }
      const body = request.body as RawBody | undefined;
      if (body === undefined) {
        throw badRequest('the body is empty; send a JSON object, a JSON array of objects, or NDJSON');
      }
      let events: ReturnType<typeof parseEvents>;
      try {
        events = parseEvents(body.text, body.format, { keyField });
      } catch (error) {
        if (error instanceof EventParseError) throw badRequest(error.message);
        throw error;
      }
      const result = await platform.ingest(stream, events);
      metrics.ingestedEvents.inc({ stream }, result.accepted);
      return reply.code(202).send(result);
    },
  );
};
