import type { Environment } from './env.js';
import { formatPath } from './issues.js';

/** A setting the environment overrides, whatever the file says. */
export interface EnvOverride {
  readonly name: string;
  /** The setting it replaces, as a path in the file. */
  readonly setting: string;
  readonly description: string;
}

/** Environment variables that win over the file (documented in docs/configuration.md). */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { name: 'PORT', setting: 'server.port', description: 'HTTP port' },
  { name: 'HOST', setting: 'server.host', description: 'address to bind' },
  { name: 'TRIBUTARY_DATA_DIR', setting: 'data_dir', description: 'data directory' },
  { name: 'TRIBUTARY_API_KEYS', setting: 'server.api_keys', description: '"key1:read,ingest;key2:admin"' },
  { name: 'DATABASE_URL', setting: 'store', description: 'use PostgreSQL at this URL as the store' },
  { name: 'REDIS_URL', setting: 'redis.url', description: 'Redis for the hot cache and the live fan-out' },
  { name: 'MQTT_URL', setting: 'sources.*.url', description: 'broker of every mqtt source' },
  {
    name: 'KAFKA_BROKERS',
    setting: 'kafka.brokers',
    description: 'bootstrap brokers, when the file has a kafka: section',
  },
  { name: 'LOG_LEVEL', setting: 'log_level', description: 'level of the JSON logs' },
];

type Data = Record<string, unknown>;

const isObject = (value: unknown): value is Data =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Writes the environment's settings into the file's data, before validation, so that they
 * are checked like the rest. Returns which paths came from which variable, so that an error
 * about one names the variable rather than a line. An empty variable counts as unset.
 */
export const applyOverrides = (data: Data, env: Environment): Map<string, string> => {
  const origins = new Map<string, string>();
  const value = (name: string) => {
    const raw = env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const set = (path: string[], name: string, to: unknown) => {
    let target = data;
    for (const part of path.slice(0, -1)) {
      if (target[part] === undefined) target[part] = {};
      if (!isObject(target[part])) return;
      target = target[part] as Data;
    }
    target[path[path.length - 1]] = to;
    origins.set(formatPath(path), name);
  };
  const port = value('PORT');
  if (port !== undefined) set(['server', 'port'], 'PORT', /^\d+$/.test(port) ? Number(port) : port);
  const host = value('HOST');
  if (host !== undefined) set(['server', 'host'], 'HOST', host);
  const dataDir = value('TRIBUTARY_DATA_DIR');
  if (dataDir !== undefined) set(['data_dir'], 'TRIBUTARY_DATA_DIR', dataDir);
  const keys = value('TRIBUTARY_API_KEYS');
  if (keys !== undefined) set(['server', 'api_keys'], 'TRIBUTARY_API_KEYS', keys);
  const brokers = value('KAFKA_BROKERS');
  if (brokers !== undefined && isObject(data.kafka)) set(['kafka', 'brokers'], 'KAFKA_BROKERS', brokers);
  const database = value('DATABASE_URL');
  if (database !== undefined) {
    const retention = isObject(data.store) ? data.store.retention : undefined;
    const schema = isObject(data.store) && data.store.type === 'postgres' ? data.store.schema : undefined;
    set(['store'], 'DATABASE_URL', {
      type: 'postgres',
      url: database,
      ...(schema === undefined ? {} : { schema }),
      ...(retention === undefined ? {} : { retention }),
    });
    // The file's retention and schema stay the file's: errors about them point at its line.
    if (retention !== undefined) origins.set('store.retention', '');
    if (schema !== undefined) origins.set('store.schema', '');
  }
  const redis = value('REDIS_URL');
  if (redis !== undefined) set(['redis', 'url'], 'REDIS_URL', redis);
  const level = value('LOG_LEVEL');
  if (level !== undefined) set(['log_level'], 'LOG_LEVEL', level);
  const mqtt = value('MQTT_URL');
  if (mqtt !== undefined && isObject(data.sources)) {
    for (const [name, source] of Object.entries(data.sources)) {
      if (isObject(source) && source.type === 'mqtt') set(['sources', name, 'url'], 'MQTT_URL', mqtt);
    }
  }
  return origins;
};

/** The variable a path's value came from, if it did: the longest matching prefix wins. */
export const originOf = (origins: ReadonlyMap<string, string>, field: string): string | undefined => {
  let best: string | undefined;
  let bestLength = -1;
  for (const [path, name] of origins) {
    const matches = field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
    if (matches && path.length > bestLength) {
      best = name;
      bestLength = path.length;
    }
  }
  return best === '' ? undefined : best;
};
