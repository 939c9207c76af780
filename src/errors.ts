/**
 * Every error the engine raises has a code from this catalogue, a message that names the
 * field or record at fault and the fix, and a domain that tells the caller what to do:
 * `user` — fix the pipeline or the input; `external` — a service failed, retry with backoff;
 * `internal` — a bug in Tributary.
 */
export type ErrorDomain = 'user' | 'external' | 'internal';

export const ERROR_CODES = {
  TRB_INVALID_DURATION: {
    domain: 'user',
    summary: 'A duration is not a number of milliseconds or a string like "10s".',
  },
  TRB_INVALID_WINDOW: { domain: 'user', summary: 'A window size, slide, offset or gap is out of range.' },
  TRB_INVALID_PLAN: {
    domain: 'user',
    summary: 'A pipeline plan is malformed (a dangling stream, a duplicate name, …).',
  },
  TRB_UNKNOWN_SOURCE: {
    domain: 'user',
    summary: 'A batch was pushed to a source the pipeline does not have.',
  },
  TRB_RESERVED_FIELD: {
    domain: 'user',
    summary: 'An aggregation is named after a field the window result reserves.',
  },
  TRB_BAD_RECORD: {
    domain: 'user',
    summary: 'A record failed validation, or its key or event time is unusable.',
  },
  TRB_USER_FUNCTION: { domain: 'user', summary: 'A user function threw while processing a record.' },
  TRB_RETRACTION_UNSUPPORTED: {
    domain: 'user',
    summary: 'A retraction of an earlier result reached an operator that keeps state.',
  },
  TRB_INPUT_ENDED: {
    domain: 'user',
    summary: 'A batch was pushed to a job after its endOfInput().',
  },
  TRB_SNAPSHOT_MISMATCH: {
    domain: 'user',
    summary:
      'A checkpoint does not fit the pipeline it is restored into: an operator was added, removed or renamed, a source partition count changed, or the task layout did.',
  },
  // The result store (src/store).
  TRB_STORE_UNREACHABLE: {
    domain: 'external',
    summary: 'The database of the result store cannot be reached or opened.',
  },
  TRB_STORE_FAILED: { domain: 'external', summary: 'The database failed a statement of the result store.' },
  TRB_STORE_REJECTED: {
    domain: 'user',
    summary: 'The database rejected a value written to the result store.',
  },
  TRB_STORE_BAD_WRITE: {
    domain: 'user',
    summary: 'A result or checkpoint given to the result store is malformed.',
  },
  TRB_STORE_BAD_QUERY: { domain: 'user', summary: 'A series query has an invalid option.' },
  TRB_STORE_BAD_CONFIG: { domain: 'user', summary: 'The result store is configured wrongly.' },
  TRB_STORE_SCHEMA_VERSION: {
    domain: 'user',
    summary: 'The database holds a newer result-store schema than this Tributary knows.',
  },
  TRB_STORE_CLOSED: { domain: 'user', summary: 'The result store was used after close().' },
  // The embedded log (src/connectors/log).
  TRB_LOG_BAD_TOPIC: {
    domain: 'user',
    summary: 'A topic name of the embedded log is empty, too long or has odd characters.',
  },
  TRB_LOG_BAD_CONFIG: { domain: 'user', summary: 'The embedded log is configured wrongly.' },
  TRB_LOG_BAD_RECORD: { domain: 'user', summary: 'A record appended to the embedded log is malformed.' },
  TRB_LOG_BAD_READ: {
    domain: 'user',
    summary: 'A read from the embedded log has an invalid offset or limit.',
  },
  TRB_LOG_CLOSED: { domain: 'user', summary: 'The embedded log was used after close().' },
  TRB_LOG_LOCKED: {
    domain: 'user',
    summary: 'The data directory of the embedded log is in use by another log.',
  },
  TRB_LOG_CORRUPT: {
    domain: 'external',
    summary: 'A stored record of the embedded log failed its checksum.',
  },
  TRB_LOG_IO_FAILED: { domain: 'external', summary: 'The disk failed a write or fsync of the embedded log.' },
  TRB_LOG_BAD_LAYOUT: {
    domain: 'user',
    summary: "A topic's topic.json in the embedded log is unreadable or from a newer Tributary.",
  },
  // Ingestors (src/connectors/generator, mqtt, file).
  TRB_INGEST_BAD_CONFIG: {
    domain: 'user',
    summary: 'An ingestor (generator, MQTT, file tail) is configured wrongly.',
  },
  // Apache Kafka (src/connectors/kafka).
  TRB_KAFKA_UNAVAILABLE: {
    domain: 'external',
    summary: 'The Kafka cluster cannot be reached, or refused the credentials.',
  },
  TRB_KAFKA_NO_TOPIC: { domain: 'user', summary: 'A Kafka topic a source reads does not exist.' },
  TRB_KAFKA_FAILED: {
    domain: 'external',
    summary: 'The Kafka cluster failed a request (a produce, a transaction, a commit).',
  },
  TRB_CHECKPOINT_FENCED: {
    domain: 'external',
    summary:
      'Another run of the same pipeline task (on another process, after its partition moved) claimed its checkpoints: this one stops.',
  },
  TRB_KAFKA_FENCED: {
    domain: 'external',
    summary: 'Another instance of the same task took over its transactional id: this one stops writing.',
  },
  // Redis (src/connectors/redis).
  TRB_REDIS_FAILED: {
    domain: 'external',
    summary: 'Redis could not be reached, or refused a write of a redis sink.',
  },
  // InfluxDB (src/connectors/influx).
  TRB_INFLUX_FAILED: {
    domain: 'external',
    summary: 'InfluxDB could not be reached, or failed or refused a write request of an influx sink.',
  },
  TRB_INFLUX_REFUSED: {
    domain: 'user',
    summary: 'A result cannot be a point of InfluxDB, or InfluxDB refused its point: it is dead-lettered.',
  },
  TRB_MQTT_CONNECTION: {
    domain: 'external',
    summary: 'The MQTT broker cannot be reached, dropped the connection or refused a subscription.',
  },
  TRB_FILE_TAIL_FAILED: {
    domain: 'external',
    summary: 'Reading a tailed file or writing its position state failed.',
  },
  TRB_FILE_BAD_STATE: { domain: 'user', summary: 'The position state file of a tailed file is unreadable.' },
  // Formats (src/formats): Avro and its schema registry.
  TRB_FORMAT_BAD_CONFIG: {
    domain: 'user',
    summary: "A format's options are wrong: a schema registry URL or credentials, an Avro writer schema.",
  },
  TRB_SCHEMA_REGISTRY_UNAVAILABLE: {
    domain: 'external',
    summary: 'The schema registry cannot be reached, timed out or failed a request.',
  },
  TRB_SCHEMA_REGISTRY_REFUSED: {
    domain: 'user',
    summary:
      'The schema registry refused a request: credentials, an unknown subject, an incompatible schema.',
  },
  // The HTTP server (src/server).
  TRB_SERVER_BAD_CONFIG: {
    domain: 'user',
    summary: 'The HTTP server is configured wrongly (no API keys beyond loopback, a bad CORS origin, …).',
  },
  TRB_HTTP_BAD_REQUEST: {
    domain: 'user',
    summary: 'An HTTP request has an invalid parameter or body; the message names it.',
  },
  TRB_HTTP_UNAUTHORIZED: { domain: 'user', summary: 'An HTTP request has no API key, or an unknown one.' },
  TRB_HTTP_FORBIDDEN: {
    domain: 'user',
    summary: 'The API key of an HTTP request lacks the scope the route needs.',
  },
  TRB_HTTP_NOT_FOUND: { domain: 'user', summary: 'No such route, pipeline, stream or series.' },
  TRB_HTTP_BODY_TOO_LARGE: { domain: 'user', summary: 'An HTTP request body is over the size limit.' },
  TRB_HTTP_UNSUPPORTED_MEDIA_TYPE: {
    domain: 'user',
    summary: 'An HTTP request body has a content type the route does not accept.',
  },
  TRB_HTTP_NOT_READY: { domain: 'external', summary: 'The platform is not ready (starting or stopping).' },
  TRB_HTTP_INTERNAL: {
    domain: 'internal',
    summary: 'The HTTP server failed a request unexpectedly: please report it.',
  },
  TRB_WS_BAD_MESSAGE: {
    domain: 'user',
    summary: 'A WebSocket message is not a valid subscribe/unsubscribe request.',
  },
  // Alerting (src/alerts).
  TRB_ALERT_INVALID: {
    domain: 'user',
    summary: 'An alert rule, route, receiver, silence, matcher or template is invalid.',
  },
  TRB_ALERT_NOT_FOUND: { domain: 'user', summary: 'No alert rule, silence or alert has that name or id.' },
  TRB_ALERT_NOTIFY_FAILED: {
    domain: 'external',
    summary: 'A notifier (webhook, e-mail, chat) failed to deliver after its retries.',
  },
  TRB_ALERT_NO_EVALUATOR: {
    domain: 'external',
    summary: 'No API node of the deployment evaluates the alert rules now, or it did not answer in time.',
  },
  // The runtime (src/runtime).
  TRB_NOT_STARTED: { domain: 'user', summary: 'The platform was used before start() or after stop().' },
  // Configuration (src/config).
  TRB_CONFIG_INVALID: {
    domain: 'user',
    summary: 'The configuration has errors; each names the file, line and field, and the fix.',
  },
  TRB_CONFIG_UNREADABLE: { domain: 'user', summary: 'The configuration file cannot be read.' },
  TRB_EXPRESSION_INVALID: {
    domain: 'user',
    summary: 'An expression does not parse or cannot give a value of the type it needs.',
  },
  TRB_EXPRESSION_FAILED: {
    domain: 'user',
    summary: 'An expression failed on a record (a missing field, a wrong type).',
  },
  TRB_INTERNAL: { domain: 'internal', summary: 'An invariant of the engine was broken: please report it.' },
} as const satisfies Record<string, { domain: ErrorDomain; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly domain: ErrorDomain;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TributaryError';
    this.code = code;
    this.domain = ERROR_CODES[code].domain;
  }
}

/** A JSON-safe description of any thrown value, for dead letters and logs. */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export const describeError = (error: unknown): ErrorInfo => {
  if (error instanceof TributaryError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: withInnerErrors(error) };
  return { name: 'Error', message: String(error) };
};

/**
 * A client error's message with the root causes inside it — of an aggregate, or a cause —
 * a few, distinct: "Listing topics failed." says nothing without "self-signed certificate".
 */
const withInnerErrors = (error: Error): string => {
  const roots = new Set<string>();
  const visit = (e: unknown, depth: number): void => {
    if (!(e instanceof Error)) return void roots.add(String(e));
    const inner: unknown[] = e instanceof AggregateError ? e.errors : e.cause === undefined ? [] : [e.cause];
    if (inner.length === 0 || depth >= 8) return void roots.add(e.message);
    for (const i of inner) visit(i, depth + 1);
  };
  visit(error, 0);
  roots.delete(error.message);
  if (roots.size === 0) return error.message;
  const shown = [...roots].slice(0, 3);
  const more = roots.size > shown.length ? `; ${roots.size - shown.length} more` : '';
  return `${error.message} (${shown.join('; ')}${more})`;
};
