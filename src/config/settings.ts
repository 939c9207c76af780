/**
 * The settings of a validated file, resolved for use: defaults filled in, durations in
 * milliseconds, sizes in bytes, paths absolute, camelCase names. Also the checks that
 * need more than the schema (API keys, the store's URL, names that double as topic names);
 * a source's or a sink's own checks are its connector's (src/connectors/<type>/connector.ts).
 */
import type { GeneratorCatalogue } from '../connectors/generator/event-generator.js';
import type { KafkaClusterSpec } from '../connectors/kafka/cluster.js';
import { NO_CLUSTER } from '../connectors/kafka/connector.js';
import {
  intakeConnector,
  type SinkSpec,
  type SourceSettings,
  sinkConnector,
} from '../connectors/registry.js';
import type { SchemaRegistryOptions } from '../formats/registry/index.js';
import type { ConfigPath } from './issues.js';
import { closest, show, suggestion } from './issues.js';
import { type ConfigFile, SCOPES, type ServerFile, type SinkFile, type SourceFile } from './schema.js';
import { bytes, millis } from './units.js';

export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  readonly key: string;
  readonly scopes: readonly Scope[];
}

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly bodyLimit: number;
  readonly corsOrigins: readonly string[];
  /** Empty: no keys configured (the server then refuses to bind beyond loopback). */
  readonly apiKeys: readonly ApiKey[];
}

/** Options of the embedded log, in the shape of its `EmbeddedLogOptions`. */
export interface LogSettings {
  /** Where intake appends and pipelines read its sources: the embedded log, or Kafka topics. */
  readonly type: 'embedded' | 'kafka';
  /** Partitions of every topic the platform creates (`log.partitions`), unless `topics` says otherwise. */
  readonly partitions: number;
  /** Per topic, from the `partitions` of the source of its name. */
  readonly topics: Readonly<Record<string, { readonly partitions: number }>>;
  readonly fsync: 'always' | 'interval' | 'never';
  readonly fsyncIntervalMs: number;
  readonly segmentBytes: number;
  readonly retention: { readonly maxBytes?: number; readonly maxAgeMs?: number };
}

export type StoreSettings =
  | { readonly type: 'embedded'; readonly retentionMs?: number }
  | {
      readonly type: 'postgres';
      readonly url: string;
      readonly schema?: string;
      readonly retentionMs?: number;
    };

export interface CheckpointSettings {
  readonly intervalMs: number;
}

/** A source as its connector resolved it (defaults filled in, paths absolute). */
export type { SourceSettings };

/** A sink as its connector resolved it (defaults filled in). */
export type SinkSettings = SinkSpec;

type Report = (path: ConfigPath, message: string) => void;

/** Source and log-sink names are embedded-log topic names too. */
const TOPIC = /^[A-Za-z0-9._-]{1,200}$/;
const topicProblem = (name: string): string | undefined =>
  TOPIC.test(name) && name !== '.' && name !== '..'
    ? undefined
    : `${show(name)} cannot be a topic name of the embedded log; use 1–200 characters of A-Z a-z 0-9 . _ -`;

export const resolveServer = (
  server: ServerFile | undefined,
  apiKeys: readonly ApiKey[],
): ServerSettings => ({
  host: server?.host ?? '127.0.0.1',
  port: server?.port ?? 8080,
  bodyLimit: bytes(server?.body_limit, 16 * 1024 ** 2),
  corsOrigins: server?.cors_origins ?? [],
  apiKeys,
});

/** `"key1:read,ingest;key2:admin"` or `[{ key, scopes }]`. */
export const resolveApiKeys = (keys: ServerFile['api_keys'], report: Report): ApiKey[] => {
  const path = ['server', 'api_keys'];
  if (keys === undefined) return [];
  const list: ApiKey[] = [];
  if (Array.isArray(keys)) list.push(...keys);
  else {
    for (const entry of keys.split(';').map((e) => e.trim())) {
      if (entry === '') continue;
      const colon = entry.lastIndexOf(':');
      const key = colon < 0 ? entry : entry.slice(0, colon).trim();
      if (colon < 0 || key === '') {
        report(
          path,
          `"${redact(entry)}" is not key:scopes; write e.g. "<key>:read,ingest", entries separated by ;`,
        );
        continue;
      }
      const scopes = entry
        .slice(colon + 1)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      for (const scope of bad) {
        report(path, `"${scope}" is not a scope${suggestion(scope, SCOPES)}`);
      }
      if (scopes.length === 0)
        report(path, `key "${redact(key)}" has no scopes; add read, ingest and/or admin`);
      if (bad.length === 0 && scopes.length > 0) list.push({ key, scopes: scopes as Scope[] });
    }
  }
  const seen = new Set<string>();
  for (const { key } of list) {
    if (seen.has(key))
      report(path, `key "${redact(key)}" is given twice; give each key once with all its scopes`);
    seen.add(key);
  }
  return list;
};

/** Keys are secrets: messages show only their start. */
const redact = (key: string): string => (key.length > 4 ? `${key.slice(0, 4)}…` : key);

/** The `log:` section, and the partitions each source gives its topic. */
export const resolveLog = (
  log: ConfigFile['log'],
  sources: Readonly<Record<string, SourceFile>> = {},
): LogSettings => ({
  type: log?.type ?? 'embedded',
  partitions: log?.partitions ?? 1,
  topics: Object.fromEntries(
    Object.entries(sources).flatMap(([name, source]) =>
      typeof source.partitions === 'number' ? [[name, { partitions: source.partitions }]] : [],
    ),
  ),
  fsync: log?.fsync ?? 'interval',
  fsyncIntervalMs: millis(log?.fsync_interval, 1_000),
  segmentBytes: bytes(log?.segment_bytes, 64 * 1024 ** 2),
  retention: {
    ...(log?.retention?.max_bytes === undefined ? {} : { maxBytes: bytes(log.retention.max_bytes, 0) }),
    maxAgeMs: millis(log?.retention?.max_age, 7 * 86_400_000),
  },
});

export const resolveStore = (store: ConfigFile['store'], report: Report): StoreSettings => {
  const retention = store?.retention === undefined ? {} : { retentionMs: millis(store.retention, 0) };
  if (store?.type !== 'postgres') return { type: 'embedded', ...retention };
  try {
    const url = new URL(store.url);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      report(
        ['store', 'url'],
        `"${url.protocol}" is not a PostgreSQL URL; use postgres://user:password@host:5432/db`,
      );
    }
  } catch {
    report(['store', 'url'], 'is not a URL; use postgres://user:password@host:5432/db');
  }
  return {
    type: 'postgres',
    url: store.url,
    ...(store.schema ? { schema: store.schema } : {}),
    ...retention,
  };
};

/** The `redis:` section: the hot cache and the live fan-out between a deployment's processes. */
export interface RedisSettings {
  readonly url: string;
  /** Of every key and channel. */
  readonly prefix: string;
  readonly latestTtlMs: number;
}

export const resolveRedis = (redis: NonNullable<ConfigFile['redis']>, report: Report): RedisSettings => {
  try {
    const url = new URL(redis.url);
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
      report(
        ['redis', 'url'],
        `"${url.protocol}" is not a Redis URL; use redis://host:6379 (rediss:// for TLS)`,
      );
  } catch {
    report(['redis', 'url'], 'is not a URL; use redis://[user:password@]host:6379[/db]');
  }
  return {
    url: redis.url,
    prefix: redis.prefix ?? 'tributary',
    latestTtlMs: millis(redis.latest_ttl, 3_600_000),
  };
};

/** The services outside the platform that sources and sinks talk to: the `kafka:` and `schema_registry:` sections. */
export interface ExternalServices {
  readonly kafka?: KafkaClusterSpec;
  readonly schemaRegistry?: SchemaRegistryOptions;
}

/**
 * With `log: { type: kafka }` intake appends to the Kafka topic of each source's name and
 * pipelines read it there (a source's name, a topic name of the embedded log, is one of
 * Kafka's too): a cluster is needed, and a `log` sink (the embedded log, which nothing
 * reads then) is refused.
 */
export const checkIntakeOnKafka = (
  kafka: KafkaClusterSpec | undefined,
  sinks: Readonly<Record<string, SinkSettings>>,
  report: Report,
): void => {
  if (!kafka) report(['log', 'type'], `kafka ${NO_CLUSTER}`);
  for (const [name, sink] of Object.entries(sinks)) {
    if (sink.type === 'log')
      report(
        ['sinks', name, 'type'],
        'log appends to the embedded log, which no pipeline reads with log: { type: kafka }; write to a kafka sink (type: kafka) instead',
      );
  }
};

/** What sources are resolved against: the file's directory, the generators the platform is given, the services. */
export interface SourceContext extends ExternalServices {
  readonly baseDir: string;
  readonly generators?: GeneratorCatalogue;
}

/** Each source by its connector (src/connectors/<type>/connector.ts), which checks what the schema cannot. */
export const resolveSources = (
  sources: Readonly<Record<string, SourceFile>> | undefined,
  context: SourceContext,
  report: Report,
): Record<string, SourceSettings> => {
  const out: Record<string, SourceSettings> = {};
  for (const [name, source] of Object.entries(sources ?? {})) {
    const path = ['sources', name];
    const badName = topicProblem(name);
    if (badName) report(path, `source name ${badName}`);
    const resolved = intakeConnector(source.type).resolve(name, source, {
      ...context,
      report: (at, message) => report([...path, ...at], message),
    });
    if (resolved) out[name] = resolved;
  }
  return out;
};

export const resolveSinks = (
  sinks: ConfigFile['sinks'],
  services: ExternalServices,
  report: Report,
): Record<string, SinkSettings> => {
  const out: Record<string, SinkSettings> = {};
  for (const [name, sink] of Object.entries(sinks ?? {}))
    out[name] = resolveSink(name, sink, services, report);
  return out;
};

const resolveSink = (
  name: string,
  sink: SinkFile,
  services: ExternalServices,
  report: Report,
): SinkSettings => {
  const spec = sinkConnector(sink.type).resolve(name, sink, {
    ...services,
    report: (at, message) => report(['sinks', name, ...at], message),
  });
  if (spec.type === 'log') {
    const problem = topicProblem(spec.topic);
    if (problem) report(['sinks', name, 'topic' in sink ? 'topic' : 'type'], `topic ${problem}`);
  }
  return spec;
};

/** `"clikcs" is not a declared source (did you mean "clicks"?); declared sources: a, b`. */
export const undeclared = (
  noun: string,
  name: string,
  declared: readonly string[],
  section: string,
): string => {
  if (declared.length === 0) {
    return `${show(name)} is not a declared ${noun}: there are none; declare it under ${section}:, e.g. ${name}: { type: http }`;
  }
  const near = closest(name, declared);
  return `${show(name)} is not a declared ${noun}${near ? ` (did you mean "${near}"?)` : ''}; declared ${noun}s: ${declared.join(', ')}`;
};
