/**
 * YAML pipelines → engine plans, through the same typed builder as TypeScript pipelines.
 * Source and sink nodes carry the config's names (and their settings as `config`); each
 * expression's text is its node's `describe`. Every problem is reported with its path, and
 * checking goes on past it, so that one run shows them all.
 */
import {
  type AnyAggregator,
  boundedOutOfOrderness,
  hopping,
  type Key,
  type KeyedStream,
  type Plan,
  pipeline,
  type Stream,
  session,
  TributaryError,
  tumbling,
  type WatermarkStrategy,
  type WindowAssigner,
} from '../engine/index.js';
import { compileAggregator } from './aggregators.js';
import { type CompiledExpression, compileExpression, type ExpressionUse } from './expressions.js';
import type { ConfigPath } from './issues.js';
import type { PipelineFile, StepFile, WindowFile } from './schema.js';
import { type SinkSettings, type SourceSettings, undeclared } from './settings.js';
import { millis } from './units.js';

export interface PipelineContext {
  readonly report: (path: ConfigPath, message: string) => void;
  readonly sources: Readonly<Record<string, SourceSettings>>;
  /** Declared sinks; a pipeline's undeclared sink name is a store series of that name. */
  readonly sinks: Readonly<Record<string, SinkSettings>>;
}

/** What a pipeline reads and writes, by the config's names. */
export interface PipelineEnds {
  readonly sources: string[];
  readonly sinks: string[];
}

const STEP_KINDS = ['filter', 'map', 'validate', 'dedupe', 'key_by', 'window'] as const;
type StepKind = (typeof STEP_KINDS)[number];

/** Checks `source`/`sources` and `sink`/`sinks` of a pipeline and returns the names. */
export const pipelineEnds = (file: PipelineFile, path: ConfigPath, ctx: PipelineContext): PipelineEnds => {
  const declared = Object.keys(ctx.sources);
  const sources = names(file, 'source', 'sources', path, ctx);
  sources.forEach((source, i) => {
    if (!ctx.sources[source]) {
      const at = file.sources ? [...path, 'sources', i] : [...path, 'source'];
      ctx.report(at, undeclared('source', source, declared, 'sources'));
    }
  });
  if (new Set(sources).size < sources.length) {
    ctx.report([...path, 'sources'], 'names a source twice; name each once');
  }
  const sinks = names(file, 'sink', 'sinks', path, ctx);
  return { sources, sinks };
};

const names = (
  file: PipelineFile,
  one: 'source' | 'sink',
  many: 'sources' | 'sinks',
  path: ConfigPath,
  ctx: PipelineContext,
): string[] => {
  if (file[one] !== undefined && file[many] !== undefined) {
    ctx.report([...path, many], `give ${one} or ${many}, not both`);
  }
  const list = file[many] ?? (file[one] === undefined ? [] : [file[one]!]);
  if (list.length === 0) {
    ctx.report(path, `missing required field "${one}" (or "${many}": [a, b])`);
  }
  return list;
};

/**
 * Compiles one YAML pipeline; undefined when it has problems (all of them reported).
 * `skipStep` names steps already known to be invalid (by the schema): they are passed over.
 */
export const compilePipeline = (
  file: PipelineFile,
  path: ConfigPath,
  ctx: PipelineContext,
  skipStep: (index: number) => boolean = () => false,
): Plan | undefined => {
  let problems = 0;
  const report = (at: ConfigPath, message: string) => {
    problems++;
    ctx.report(at, message);
  };
  const expression = (
    text: string,
    use: ExpressionUse,
    label: string,
    at: ConfigPath,
  ): CompiledExpression => {
    try {
      return compileExpression(text, { use, label });
    } catch (error) {
      report(at, (error as Error).message);
      return { text, type: 'dyn', fields: [], evaluate: () => undefined };
    }
  };
  /** Runs a builder call; an engine error becomes a problem at `at`. */
  const build = <R>(at: ConfigPath, make: () => R): R | undefined => {
    try {
      return make();
    } catch (error) {
      if (!(error instanceof TributaryError)) throw error;
      report(at, error.message.replace(/^(window|dedupe)\.\w+: /, ''));
      return undefined;
    }
  };

  const ends = pipelineEnds(file, path, { ...ctx, report });
  const watermark = build([...path, 'watermark'], () => watermarkOf(file)) ?? boundedOutOfOrderness(0);
  const time = file.time === undefined ? undefined : expression(file.time, 'time', 'time', [...path, 'time']);

  const p = build([...path, 'name'], () => pipeline(file.name));
  if (!p) return undefined;
  const inputs: Stream<unknown>[] = [];
  for (const source of new Set(ends.sources)) {
    const config = ctx.sources[source] as Record<string, unknown> | undefined;
    let stream = build(path, () => p.source<unknown>(source, { watermark, config }));
    if (!stream) continue;
    if (time) {
      stream = stream.withEventTime(time.evaluate as (v: unknown) => number, watermark, {
        name: `time:${source}`,
        describe: time.text,
      });
    }
    inputs.push(stream);
  }
  if (inputs.length === 0) return undefined;
  let stream: Stream<unknown> = inputs.length === 1 ? inputs[0] : inputs[0].union(...inputs.slice(1));
  let keyed: KeyedStream<Key, unknown> | undefined;
  // After a step that could not be compiled, whether the stream is keyed is unknown.
  let unsure = false;
  const steps = file.steps ?? [];
  const stepNames = new Map<string, number>();
  steps.forEach((step, i) => {
    if (skipStep(i)) {
      problems++;
      unsure = true;
      return;
    }
    const at = [...path, 'steps', i];
    let named = step;
    if (step.name !== undefined) {
      const earlier = stepNames.get(step.name);
      if (earlier === undefined) stepNames.set(step.name, i);
      else {
        report(
          [...at, 'name'],
          `"${step.name}" is already the name of steps[${earlier}]; give each step its own name`,
        );
        named = { ...step, name: undefined };
      }
    }
    const next = compileStep(named, at, stream, keyed, { report, expression, build, unsure });
    if (next) ({ stream, keyed } = next);
    else unsure = true;
  });
  for (const sink of ends.sinks) {
    const config = (ctx.sinks[sink] ?? { type: 'store', series: sink }) as unknown as Record<string, unknown>;
    build([...path, file.sinks ? 'sinks' : 'sink'], () => stream.sink(sink, { config }));
  }
  if (problems > 0) return undefined;
  return build(path, () => p.build());
};

const watermarkOf = (file: PipelineFile): WatermarkStrategy => {
  const bound = boundedOutOfOrderness(millis(file.watermark, 0));
  return file.idleness === undefined ? bound : bound.withIdleness(millis(file.idleness, 0));
};

interface StepTools {
  report(at: ConfigPath, message: string): void;
  expression(text: string, use: ExpressionUse, label: string, at: ConfigPath): CompiledExpression;
  build<R>(at: ConfigPath, make: () => R): R | undefined;
  /** An earlier step could not be compiled: no complaint about a missing key_by. */
  unsure: boolean;
}

type Flow = { stream: Stream<unknown>; keyed: KeyedStream<Key, unknown> | undefined };

const compileStep = (
  step: StepFile,
  at: ConfigPath,
  stream: Stream<unknown>,
  keyed: KeyedStream<Key, unknown> | undefined,
  tools: StepTools,
): Flow | undefined => {
  const { report, expression, build } = tools;
  const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
  if (kinds.length === 0) {
    report(at, `a step needs one of: ${STEP_KINDS.join(', ')}`);
    return undefined;
  }
  if (kinds.length > 1) {
    report(
      at,
      `has both ${kinds[0]} and ${kinds[1]}; give each its own step (- ${kinds[0]}: …, then - ${kinds[1]}: …)`,
    );
    return undefined;
  }
  const kind: StepKind = kinds[0];
  if (step.partitioned !== undefined && kind !== 'key_by') {
    report(
      [...at, 'partitioned'],
      'goes with key_by, in the same step (key_by: user and partitioned: true side by side)',
    );
  }
  if (step.aggregate !== undefined && kind !== 'window') {
    report(
      [...at, 'aggregate'],
      'goes with window, in the same step (window: { tumbling: 1m } and aggregate: { n: count } side by side)',
    );
    return undefined;
  }
  const named = (describe?: string) => ({
    ...(step.name ? { name: step.name } : {}),
    ...(describe ? { describe } : {}),
  });
  const here = [...at, kind];
  switch (kind) {
    case 'filter': {
      const e = expression(step.filter!, 'bool', 'filter', here);
      return flow(build(here, () => stream.filter(e.evaluate as (v: unknown) => boolean, named(e.text))));
    }
    case 'map': {
      const e = expression(step.map!, 'value', 'map', here);
      return flow(build(here, () => stream.map(e.evaluate, named(e.text))));
    }
    case 'validate': {
      const spec = step.validate!;
      const e = expression(spec.expr, 'bool', 'validate', [...here, 'expr']);
      const reason = spec.message ?? `${spec.expr} is false`;
      const check = (value: unknown) => (e.evaluate(value) ? true : reason);
      return flow(build(here, () => stream.validate(check, named(e.text))));
    }
    case 'key_by': {
      const e = expression(step.key_by!, 'key', 'key_by', here);
      const partitioned = step.partitioned === true;
      const next = build(here, () =>
        stream.keyBy(e.evaluate as (v: unknown) => Key, { ...named(e.text), partitioned }),
      );
      return next ? { stream: next, keyed: next } : undefined;
    }
    case 'dedupe': {
      const spec = step.dedupe!;
      const by = spec.key === undefined ? undefined : expression(spec.key, 'key', 'dedupe', [...here, 'key']);
      const time = spec.time ?? 'event';
      if (millis(spec.within, 0) <= 0) {
        report([...here, 'within'], `must be above 0, e.g. 10m`);
        return undefined;
      }
      if (!by && !keyed) {
        if (tools.unsure) return undefined;
        report(here, 'needs a key: { key: <expression>, within: 10m }, or a key_by step before it');
        return undefined;
      }
      const options = { ...named(by?.text), time, ...(by ? { by: by.evaluate as (v: unknown) => Key } : {}) };
      if (keyed) {
        const next = build(here, () => keyed.dedupe(millis(spec.within, 0), options));
        return next ? { stream: next, keyed: next } : undefined;
      }
      return flow(
        build(here, () =>
          stream.dedupe(millis(spec.within, 0), { ...options, by: by!.evaluate as (v: unknown) => Key }),
        ),
      );
    }
    case 'window':
      return compileWindow(step, here, keyed, tools);
  }
};

const flow = (stream: Stream<unknown> | undefined): Flow | undefined =>
  stream ? { stream, keyed: undefined } : undefined;

const compileWindow = (
  step: StepFile,
  at: ConfigPath,
  keyed: KeyedStream<Key, unknown> | undefined,
  tools: StepTools,
): Flow | undefined => {
  const { report, build } = tools;
  const window = step.window!;
  const assigner = assignerOf(window, at, tools);
  const stepPath = at.slice(0, -1);
  if (!keyed && !tools.unsure) {
    report(at, 'needs a key_by step right before it (windows are per key); add - key_by: <expression>');
  }
  if (step.aggregate === undefined) {
    report(
      stepPath,
      'missing required field "aggregate": what to compute per window, e.g. aggregate: { n: count }',
    );
    return undefined;
  }
  const aggregators: Record<string, AnyAggregator> = {};
  const described: string[] = [];
  for (const [name, spec] of Object.entries(step.aggregate)) {
    const made = compileAggregator(name, spec, [...stepPath, 'aggregate', name], tools);
    if (made) {
      aggregators[name] = made.aggregator;
      described.push(`${name}: ${made.describe}`);
    }
  }
  if (Object.keys(step.aggregate).length === 0) {
    report([...stepPath, 'aggregate'], 'give at least one aggregation, e.g. { n: count }');
  }
  if (
    !keyed ||
    !assigner ||
    described.length < Object.keys(step.aggregate).length ||
    described.length === 0
  ) {
    return undefined;
  }
  const describe = `${describeAssigner(window)}; ${described.join(', ')}`;
  const out = build(at, () =>
    keyed
      .window(assigner, {
        time: window.time === 'processing' ? 'processing' : undefined,
        lateness: millis(window.lateness, 0),
        ...(step.name ? { name: step.name } : {}),
        describe,
      })
      .aggregate(aggregators),
  );
  return out ? { stream: out, keyed: undefined } : undefined;
};

const ASSIGNERS = ['tumbling', 'hopping', 'session'] as const;

const assignerOf = (window: WindowFile, at: ConfigPath, tools: StepTools): WindowAssigner | undefined => {
  const kinds = ASSIGNERS.filter((k) => window[k] !== undefined);
  if (kinds.length !== 1) {
    tools.report(
      at,
      kinds.length === 0
        ? 'give the kind of window: { tumbling: 1m }, { hopping: { size: 1m, slide: 10s } } or { session: 30s }'
        : `has both ${kinds[0]} and ${kinds[1]}; a window has one kind`,
    );
    return undefined;
  }
  const kind = kinds[0];
  if (kind === 'session' && window.offset !== undefined) {
    tools.report([...at, 'offset'], 'goes with tumbling and hopping windows, not session windows');
    return undefined;
  }
  const offset = window.offset === undefined ? {} : { offset: window.offset };
  return tools.build([...at, kind], () => {
    if (kind === 'tumbling') return tumbling(window.tumbling!, offset);
    if (kind === 'hopping') return hopping(window.hopping!.size, window.hopping!.slide, offset);
    return session(window.session!);
  });
};

const describeAssigner = (window: WindowFile): string => {
  if (window.tumbling !== undefined) return `tumbling ${window.tumbling}`;
  if (window.hopping) return `hopping ${window.hopping.size} every ${window.hopping.slide}`;
  return `session ${window.session}`;
};
