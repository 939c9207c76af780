import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AlertingDocument } from '../alerts/schema.js';
import { resolveAlerting } from '../alerts/settings.js';
import type { GeneratorCatalogue } from '../connectors/generator/event-generator.js';
import type { KafkaClusterSpec } from '../connectors/kafka/cluster.js';
import { resolveKafka } from '../connectors/kafka/options.js';
import type { Plan } from '../engine/index.js';
import { TributaryError } from '../errors.js';
import { resolveSchemaRegistry } from '../formats/registry/index.js';
import { readDocument } from './document.js';
import type { Environment } from './env.js';
import { ConfigError, type ConfigIssue, type ConfigPath, formatPath } from './issues.js';
import { loadModulePipeline } from './modules.js';
import { applyOverrides, originOf } from './overrides.js';
import { compilePipeline, pipelineEnds } from './pipelines.js';
import { type ConfigFile, ConfigSchema, type PipelineFile, PipelineSchema } from './schema.js';
import {
  type CheckpointSettings,
  checkIntakeOnKafka,
  type LogSettings,
  type RedisSettings,
  resolveApiKeys,
  resolveLog,
  resolveRedis,
  resolveServer,
  resolveSinks,
  resolveSources,
  resolveStore,
  type ServerSettings,
  type SinkSettings,
  type SourceSettings,
  type StoreSettings,
} from './settings.js';
import { millis } from './units.js';
import { checkSchema } from './validate.js';

export interface LoadOptions {
  /** Variables for `${NAME}` and the overrides (PORT, HOST, …). Default: `process.env`. */
  readonly env?: Environment;
  /** Where a data directory from the environment or the default resolves. Default: `process.cwd()`. */
  readonly cwd?: string;
  /**
   * The generators `generator` sources may name: the catalogue the platform will run with
   * (`tributary start`: the demo's). Without it their names are not checked, as where the
   * file is only read for its pipelines (a worker thread).
   */
  readonly generators?: GeneratorCatalogue;
  /**
   * Settings laid over the file's, before the environment's overrides: each top-level map
   * merged key by key into the file's. An error about one names `origin` (the variable that
   * asked for it) instead of a line. The CLI runs the demo on Kafka with one.
   */
  readonly overlay?: { readonly settings: Readonly<Record<string, unknown>>; readonly origin: string };
}

/** A pipeline of the configuration, compiled to the engine's plan. */
export interface ConfiguredPipeline {
  readonly name: string;
  readonly plan: Plan;
  /** The config's source names it reads (each is also an embedded-log topic). */
  readonly sources: readonly string[];
  /** The config's sink names it writes; each is in `TributaryConfig.sinks`. */
  readonly sinks: readonly string[];
  /** The absolute path of its module, for a pipeline written with the TypeScript API. */
  readonly module?: string;
  /** The line of its entry in the file. */
  readonly line: number;
  /** Its `consumer_group`, when the file names one. */
  readonly consumerGroup?: string;
}

/** A loaded configuration: every setting resolved (defaults, ms, bytes, absolute paths). */
export interface TributaryConfig {
  /** The file, as it was given. */
  readonly file: string;
  readonly server: ServerSettings;
  /** Absolute. */
  readonly dataDir: string;
  readonly log: LogSettings;
  readonly store: StoreSettings;
  /** The `kafka:` section: the cluster of `kafka` sources and sinks. */
  readonly kafka?: KafkaClusterSpec;
  /** The `redis:` section: the hot cache and the live fan-out across processes. */
  readonly redis?: RedisSettings;
  readonly checkpoint: CheckpointSettings;
  /** Worker threads for pipeline tasks (`workers`); undefined: one per core. */
  readonly workers?: number;
  readonly sources: Readonly<Record<string, SourceSettings>>;
  /** Declared sinks, plus a store sink for every other sink name a pipeline uses. */
  readonly sinks: Readonly<Record<string, SinkSettings>>;
  readonly pipelines: readonly ConfiguredPipeline[];
  /** Level of the JSON logs (`log_level`, `LOG_LEVEL`). */
  readonly logLevel: string;
  /** The `alerts:` section as written (checked: its rules compile); the runtime opens the alert engine with it. */
  readonly alerts?: AlertingDocument;
}

/**
 * Reads, validates and compiles a configuration file. Throws `ConfigError`
 * (`TRB_CONFIG_INVALID`) listing every problem, or `TRB_CONFIG_UNREADABLE`.
 *
 * @example
 * const config = await loadConfig('pipelines.yaml');
 * for (const { plan } of config.pipelines) runtime.run(plan);
 */
export const loadConfig = async (file: string, options: LoadOptions = {}): Promise<TributaryConfig> => {
  let text: string;
  try {
    text = await readFile(resolve(options.cwd ?? process.cwd(), file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory; give the YAML file'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new TributaryError('TRB_CONFIG_UNREADABLE', `${file}: cannot read the configuration: ${why}`, {
      cause: error,
    });
  }
  return parseConfig(text, { ...options, file });
};

/** The longest configuration read, in characters: far beyond any real one, short of what stalls the parser. */
const MAX_CONFIG_CHARS = 1024 * 1024;

/**
 * Like `loadConfig`, from text. `file` names it in messages, and relative paths in it
 * (modules, file sources, the data directory) resolve against its directory.
 */
export const parseConfig = async (
  text: string,
  options: LoadOptions & { file?: string } = {},
): Promise<TributaryConfig> => {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? 'config.yaml';
  const baseDir = dirname(resolve(cwd, file));
  if (text.length > MAX_CONFIG_CHARS)
    throw new ConfigError([
      {
        file,
        field: '',
        message:
          `the file is ${(text.length / 1024 / 1024).toFixed(1)} MB; a configuration is at most ` +
          `${MAX_CONFIG_CHARS / 1024 / 1024} MB (keep data such as lookup tables in files the pipelines read)`,
      },
    ]);
  const doc = readDocument(text, env);
  const issues: ConfigIssue[] = doc.problems.map((p) => ({
    file,
    line: p.line,
    field: formatPath(p.path),
    message: p.message,
  }));
  let origins = new Map<string, string>();
  const rejected = new Set<string>();
  const report = (path: ConfigPath, message: string) => {
    const field = formatPath(path);
    if (doc.unresolved.has(field) || rejected.has(field)) return;
    const variable = originOf(origins, field);
    issues.push(
      variable ? { file, field, message, env: variable } : { file, line: doc.lineOf(path), field, message },
    );
  };
  const fail = () => new ConfigError([...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));

  if (doc.data === undefined) throw fail();
  if (typeof doc.data !== 'object' || doc.data === null || Array.isArray(doc.data)) {
    report([], 'the file must be a map of settings (server:, sources:, sinks:, pipelines:, …)');
    throw fail();
  }
  const data = doc.data as Record<string, unknown>;
  for (const [key, value] of Object.entries(options.overlay?.settings ?? {}))
    data[key] = isRecord(value) && isRecord(data[key]) ? { ...data[key], ...value } : value;
  origins = applyOverrides(data, env);
  for (const [key, value] of Object.entries(options.overlay?.settings ?? {})) {
    for (const field of isRecord(value) ? Object.keys(value).map((k) => `${key}.${k}`) : [key])
      if (!origins.has(field)) origins.set(field, options.overlay!.origin);
  }
  const schemaProblems = checkSchema(ConfigSchema, data);
  for (const problem of schemaProblems) report(problem.path, problem.message);
  // One message per field: what later checks find about a field the schema rejected follows from that.
  for (const problem of schemaProblems) rejected.add(formatPath(problem.path));
  const invalid = (path: ConfigPath) => {
    const prefix = formatPath(path);
    return schemaProblems.some((p) => {
      const field = formatPath(p.path);
      return (
        field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`) || prefix === ''
      );
    });
  };
  const config = data as ConfigFile;
  const section = <T>(key: keyof ConfigFile, resolveIt: () => T): T | undefined =>
    invalid([key]) ? undefined : resolveIt();

  // API keys are checked even when other server settings are wrong: a secret's typo deserves a word too.
  const apiKeys = invalid(['server', 'api_keys']) ? [] : resolveApiKeys(config.server?.api_keys, report);
  const server = section('server', () => resolveServer(config.server, apiKeys));
  const store = section('store', () => resolveStore(config.store, report));
  section('alerts', () => {
    try {
      resolveAlerting(config.alerts);
    } catch (error) {
      // resolveAlerting names the field (`alerts.rules[2].severity: …`); point at it in the file.
      const message = error instanceof Error ? error.message : String(error);
      const match = /^(alerts[^:]*): (.*)$/s.exec(message);
      report(match ? fieldPath(match[1]) : ['alerts'], match ? match[2] : message);
    }
  });
  const checkpoint = section('checkpoint', () => ({
    intervalMs: millis(config.checkpoint?.interval, 5_000),
  }));
  const validEntries = <T>(key: 'sources' | 'sinks'): Record<string, T> | undefined => {
    const entries = config[key];
    if (entries !== undefined && (typeof entries !== 'object' || entries === null || Array.isArray(entries)))
      return undefined;
    return Object.fromEntries(
      Object.entries(entries ?? {}).filter(([name]) => !invalid([key, name])),
    ) as Record<string, T>;
  };
  const sourceFiles = validEntries<NonNullable<ConfigFile['sources']>[string]>('sources');
  const log = section('log', () => resolveLog(config.log, sourceFiles));
  const sinkFiles = validEntries<NonNullable<ConfigFile['sinks']>[string]>('sinks');
  const kafka = section('kafka', () =>
    config.kafka
      ? resolveKafka(config.kafka, baseDir, (at, message) => report(['kafka', ...at], message))
      : undefined,
  );
  const redis = section('redis', () => (config.redis ? resolveRedis(config.redis, report) : undefined));
  const schemaRegistry = section('schema_registry', () =>
    config.schema_registry
      ? resolveSchemaRegistry(config.schema_registry, (at, message) =>
          report(['schema_registry', ...at], message),
        )
      : undefined,
  );
  const external = { ...(kafka ? { kafka } : {}), ...(schemaRegistry ? { schemaRegistry } : {}) };
  const sources = resolveSources(
    sourceFiles,
    { baseDir, ...(options.generators ? { generators: options.generators } : {}), ...external },
    report,
  );
  const sinks: Record<string, SinkSettings> = resolveSinks(sinkFiles, external, report);
  if (log?.type === 'kafka') checkIntakeOnKafka(kafka, sinks, report);
  // Names of sources that failed validation still count as declared: no second error about them.
  const declared = { ...sources } as Record<string, SourceSettings>;
  for (const name of Object.keys(isRecord(config.sources) ? config.sources : {}))
    declared[name] ??= { type: 'http' };
  const declaredSinks = { ...sinks } as Record<string, SinkSettings>;
  for (const name of Object.keys(isRecord(config.sinks) ? config.sinks : {}))
    declaredSinks[name] ??= { type: 'console' };

  const pipelines: ConfiguredPipeline[] = [];
  const list = Array.isArray(config.pipelines) ? config.pipelines : [];
  const seen = new Map<string, number>();
  const pending = list.map(async (entry, index): Promise<void> => {
    const path = ['pipelines', index];
    if (!isRecord(entry) || invalid([...path, 'name'])) return;
    const earlier = seen.get(entry.name);
    if (earlier !== undefined) {
      report(
        [...path, 'name'],
        `"${entry.name}" is already the name of pipelines[${earlier}]; give each pipeline its own name`,
      );
      return;
    }
    seen.set(entry.name, index);
    const line = doc.lineOf(path);
    const group = entry.consumer_group === undefined ? {} : { consumerGroup: entry.consumer_group };
    if (entry.module !== undefined) {
      if (invalid(path)) return;
      const loaded = await loadModulePipeline(entry, path, {
        report,
        baseDir,
        sources: Object.keys(declared),
      });
      if (loaded)
        pipelines[index] = {
          name: entry.name,
          ...endsOf(loaded.plan),
          module: loaded.module,
          line,
          ...group,
        };
      return;
    }
    const ctx = { report, sources: declared, sinks: declaredSinks };
    if (ownFieldsInvalid(entry, path, invalid)) return;
    const ends = pipelineEnds(entry, path, { ...ctx, report: () => {} });
    const plan = compilePipeline(entry, path, ctx, (step) => invalid([...path, 'steps', step]));
    if (plan)
      pipelines[index] = { name: entry.name, plan, sources: ends.sources, sinks: ends.sinks, line, ...group };
  });
  await Promise.all(pending);
  pipelines.forEach(({ consumerGroup, sources: read }, index) => {
    const readsKafka = log?.type === 'kafka' || read.some((name) => declared[name]?.type === 'kafka');
    if (consumerGroup !== undefined && !readsKafka)
      report(
        ['pipelines', index, 'consumer_group'],
        'is the Kafka consumer group of a pipeline that reads Kafka, and this one reads no kafka source; remove it',
      );
  });

  if (issues.length > 0) throw fail();
  for (const { sinks: names } of pipelines) {
    for (const name of names) sinks[name] ??= { type: 'store', series: name };
  }
  const dataDirOrigin = originOf(origins, 'data_dir');
  return {
    file,
    server: server!,
    dataDir:
      config.data_dir === undefined
        ? resolve(cwd, '.tributary')
        : resolve(dataDirOrigin ? cwd : baseDir, config.data_dir),
    log: log!,
    store: store!,
    ...(kafka ? { kafka } : {}),
    ...(redis ? { redis } : {}),
    checkpoint: checkpoint!,
    ...(config.workers === undefined ? {} : { workers: config.workers }),
    sources,
    sinks,
    pipelines: pipelines.filter(Boolean),
    logLevel: config.log_level ?? 'info',
    alerts: config.alerts,
  };
};

const isRecord = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a pipeline is made of is unknown: its name, ends or steps are not what the schema wants. */
const ownFieldsInvalid = (
  entry: PipelineFile,
  path: ConfigPath,
  invalid: (path: ConfigPath) => boolean,
): boolean =>
  Object.keys(entry).some((key) => !KNOWN_KEYS.has(key)) ||
  ['name', 'source', 'sources', 'sink', 'sinks'].some((key) => invalid([...path, key])) ||
  (entry.steps !== undefined && !Array.isArray(entry.steps));

const KNOWN_KEYS = new Set(Object.keys(PipelineSchema.properties));

/** The source and sink names of a plan. */
const endsOf = (plan: Plan) => ({
  plan,
  sources: plan.nodes.flatMap((n) => (n.kind === 'source' ? [n.source] : [])),
  sinks: [...new Set(plan.nodes.flatMap((n) => (n.kind === 'sink' ? [n.sink] : [])))],
});

/** `alerts.rules[2].severity` → `['alerts', 'rules', 2, 'severity']`. */
const fieldPath = (text: string): (string | number)[] =>
  text
    .split(/\.|\[|\]/)
    .filter((part) => part !== '')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
