import type { Observation } from '../alerts/model.js';
import type { AlertingDocument } from '../alerts/schema.js';
import type { GeneratorCatalogue } from '../connectors/generator/event-generator.js';
import type { KafkaClusterSpec } from '../connectors/kafka/cluster.js';
import type { EmbeddedLogOptions } from '../connectors/log/options.js';
import type { SinkSpec } from '../connectors/registry.js';
import type { Plan } from '../engine/plan/plan.js';
import type { Clock } from '../engine/time/clock.js';
import type { LatestCache } from '../live/latest-cache.js';
import type { RedisFanout } from '../live/redis-fanout.js';
import type { Logger } from '../observability/logger.js';
import type { SourceSpec } from './intake.js';
import type { TaskOptions } from './task/task-spec.js';
import type { PlanRecipe } from './workers/plan-recipe.js';

/** What a `Platform` (platform.ts) runs, and with what. */
export interface PlatformOptions {
  /** Where the log, the embedded store and ingestor state live. */
  readonly dataDir: string;
  /**
   * The embedded log's options. Its `partitions` and `topics[name].partitions` are the counts
   * the topics of the sources and of the pipelines' inputs must have: one that exists with
   * another count on disk is refused at start (`TRB_LOG_BAD_CONFIG`), never repartitioned.
   */
  readonly log?: Omit<EmbeddedLogOptions, 'dir'>;
  readonly store:
    | { readonly type: 'embedded' }
    /** `schema`: where the store's tables live (default `tributary`). */
    | { readonly type: 'postgres'; readonly url: string; readonly schema?: string };
  /** Stored results older than this (by window end) are deleted, checked every minute. */
  readonly storeRetentionMs?: number;
  readonly sources: Readonly<Record<string, SourceSpec>>;
  /** With `log: { type: kafka }`: the cluster intake appends to, where pipelines read its sources. */
  readonly intakeOnKafka?: KafkaClusterSpec;
  /** Sinks by name; a pipeline sink not declared here is a store series of that name. */
  readonly sinks?: Readonly<Record<string, SinkSpec>>;
  readonly pipelines: readonly Plan[];
  /** Per pipeline, a Kafka consumer group other than `tributary.<pipeline>`. */
  readonly consumerGroups?: Readonly<Record<string, string>>;
  /**
   * How a worker thread builds a pipeline's plan. A pipeline without a recipe runs on the
   * main thread: the functions in its plan cannot cross to another thread.
   */
  readonly recipes?: (plan: Plan) => PlanRecipe | undefined;
  /** Worker threads for pipeline tasks; 0 runs every task on the main thread. Default: the cores. */
  readonly workers?: number;
  readonly pipelineTasks?: Partial<TaskOptions>;
  /** The `alerts:` section: rules, routes, receivers, silences. None: no alerting. */
  readonly alerts?: AlertingDocument;
  /**
   * A worker of a deployment, where an API node evaluates the rules: the pattern-rule
   * pipelines run here and their observations go there; no alert engine runs here.
   */
  readonly forwardObservations?: (observations: readonly Observation[]) => void;
  /** The generators `generator` sources name (the CLI passes the demo's); none: such sources cannot start. */
  readonly generators?: GeneratorCatalogue;
  readonly clock?: Clock;
  /** Structured logs (pipeline lifecycle, dead letters, failures); default: none. */
  readonly logger?: Logger;
  /** The other processes of a deployment, through Redis: live updates and task reports go to them too. */
  readonly fanout?: Pick<RedisFanout, 'node' | 'publish' | 'tell'>;
  /** The hot cache in Redis: the latest result of each key of each series stored here goes to it. */
  readonly latestCache?: LatestCache;
  /** False: no ingestors (generator, MQTT, file) start here; HTTP ingest still works. Default true. */
  readonly ingestors?: boolean;
  /** Where failures are reported besides the log (tests); default: the log, or stderr without one. */
  readonly onError?: (where: string, error: unknown) => void;
}
