import type { TSchema } from 'typebox';
import type { Observation } from '../alerts/model.js';
import type { Batch } from '../engine/batch.js';
import type { SchemaRegistryOptions } from '../formats/registry/index.js';
import type { Logger } from '../observability/logger.js';
import type { SeriesUpsert } from '../store/types.js';
import type { GeneratorCatalogue } from './generator/event-generator.js';
import type { Appender, Ingestor } from './ingestor.js';
import type { KafkaClusterSpec } from './kafka/cluster.js';
import type { LogAccess } from './log/log-access.js';
import type { Guarantee, Sink } from './sink.js';

/** What a sink can reach where its task runs (on a worker thread, each call is a message to the main thread). */
export interface SinkContext {
  readonly pipeline: string;
  /** The task of the pipeline the sink writes for (`all`, or a partition). */
  readonly task: string;
  readonly logger?: Logger;
  readonly log: LogAccess;
  /** Results into store series; stored, then published live and to alerting. */
  writeSeries(writes: readonly SeriesUpsert[]): Promise<void>;
  observe(observations: readonly Observation[]): void;
  /** Dead-letters record `index` of `batch`, which the sink refused with `error`. */
  reject(sink: string, batch: Batch<unknown>, index: number, error: unknown): void;
}

/**
 * A kind of sink, defined in its connector's folder. `options` is the one definition of its
 * configuration block (`type` included): the configuration schema, its validation messages
 * and the docs' table come from it; `guarantee` fills the docs' guarantee table.
 */
export interface SinkConnector<Spec extends { readonly type: string } = { readonly type: string }> {
  readonly type: Spec['type'];
  readonly summary: string;
  readonly guarantee: Guarantee;
  /** Made by the platform itself, never written in a configuration file. */
  readonly internal?: true;
  readonly options: TSchema;
  /** The block as written (checked against `options`) → what a task builds the sink from. */
  resolve(name: string, options: Record<string, unknown>, context?: SinkResolveContext): Spec;
  /**
   * A connector whose sink needs a client library loads it here, on first use: loading the
   * Kafka client costs a thread about a second of start-up, which a thread that never writes
   * to Kafka should not pay.
   */
  create(name: string, spec: Spec, context: SinkContext): Promise<Sink>;
}

/** What a sink connector's `resolve` knows besides the block. */
export interface SinkResolveContext {
  /** The `kafka:` section's cluster, when there is one. */
  readonly kafka?: KafkaClusterSpec;
  /** The `schema_registry:` section, when there is one. */
  readonly schemaRegistry?: SchemaRegistryOptions;
  readonly report: ReportProblem;
}

/** A problem with a block: `path` is relative to the block (`[]`: the block itself), `message` says the fix. */
export type ReportProblem = (path: readonly (string | number)[], message: string) => void;

/** What an intake connector's `resolve` knows besides the block. */
export interface IntakeResolveContext {
  /** The configuration file's directory: relative paths in the block resolve against it. */
  readonly baseDir: string;
  /**
   * The generators a `generator` source may name. Absent where nothing will run one (a
   * worker thread building its plans from the file): then names are not checked.
   */
  readonly generators?: GeneratorCatalogue;
  /** The `kafka:` section's cluster, when there is one. */
  readonly kafka?: KafkaClusterSpec;
  /** The `schema_registry:` section, when there is one. */
  readonly schemaRegistry?: SchemaRegistryOptions;
  readonly report: ReportProblem;
}

/** What an ingestor can reach: intake runs on the main thread, beside the log. */
export interface IntakeContext {
  /** The platform's data directory; ingestor state (a tailed file's position) lives under it. */
  readonly dataDir: string;
  /** The generators `generator` sources name, from the composition root (the CLI: the demo's). */
  readonly generators?: GeneratorCatalogue;
}

/**
 * A kind of source, defined in its connector's folder: how input from outside (a generator,
 * an MQTT subscription, a tailed file, HTTP) reaches the log topic of the source's name.
 * `options` is the one definition of its `sources.<name>` block (`type` included): the
 * configuration schema, its validation messages and the docs' table come from it.
 *
 * @example
 * const settings = fileConnector.resolve('app', { type: 'file', path: 'app.log' }, { baseDir, report });
 * const ingestor = fileConnector.create('app', settings!, appender, { dataDir });
 */
export interface IntakeConnector<
  Settings extends { readonly type: string } = { readonly type: string },
  Options = Record<string, unknown>,
> {
  readonly type: Settings['type'];
  readonly summary: string;
  readonly options: TSchema;
  /**
   * The block as written (checked against `options`) → settings with defaults filled in,
   * milliseconds, absolute paths. Problems beyond the schema go to `context.report`;
   * undefined when they leave nothing to run.
   */
  resolve(name: string, options: Options, context: IntakeResolveContext): Settings | undefined;
  /**
   * The ingestor appending the source's input to its topic; none for a source fed otherwise
   * (HTTP). A client library it needs is loaded here, on first use, as a sink's is.
   */
  create(
    name: string,
    settings: Settings,
    appender: Appender,
    context: IntakeContext,
  ): Promise<Ingestor | undefined>;
}
