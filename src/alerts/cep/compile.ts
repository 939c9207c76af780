import type { Key } from '../../engine/batch.js';
import type { KeyedProcessFunction } from '../../engine/operators/process.js';
import { type EventTime, pipeline } from '../../engine/plan/builder.js';
import type { Plan } from '../../engine/plan/plan.js';
import type { Stream } from '../../engine/plan/streams.js';
import { toMillis } from '../../engine/time/duration.js';
import { boundedOutOfOrderness } from '../../engine/time/watermarks.js';
import { TributaryError } from '../../errors.js';
import type { Observation } from '../model.js';
import { patternSeries } from '../rules/rule.js';
import type { PatternRuleDocument } from '../schema.js';
import { countMachine, type Machine, notFollowedMachine, sequenceMachine, TAG_A, TAG_B } from './machines.js';

/** A pattern with its functions: from a rule document (`toPatternSpec`) or written in TypeScript. */
export interface PatternSpec<T> {
  /** The rule's name: observations go to series `pattern:<name>`. */
  readonly name: string;
  readonly key: (event: T) => Key;
  readonly count?: {
    readonly where?: (event: T) => boolean;
    readonly moreThan: number;
    readonly within: number;
  };
  readonly sequence?: {
    readonly first: (event: T) => boolean;
    readonly followedBy: (event: T) => boolean;
    readonly within: number;
  };
  readonly notFollowed?: {
    readonly first: (event: T) => boolean;
    readonly followedBy: (event: T) => boolean;
    readonly within: number;
  };
}

/**
 * Compiles an expression of a rule document: `use` says what it must give (`bool` for
 * predicates, `key`, `time`); `field` names it in errors. The configuration's CEL compiler
 * fits: `(text, use, field) => compileExpression(text, { use, label: field }).evaluate`.
 */
export type ExpressionCompiler = (
  text: string,
  use: 'bool' | 'key' | 'time',
  field: string,
) => (event: unknown) => unknown;

const invalid = (message: string) => new TributaryError('TRB_ALERT_INVALID', message);

const within = (value: string | number, field: string): number => {
  const ms = toMillis(value, field);
  if (ms <= 0) throw invalid(`${field}: must be above 0, e.g. "1m"`);
  return ms;
};

/** The functions of a pattern rule document, compiled with `compile`. */
export const toPatternSpec = (
  doc: PatternRuleDocument,
  compileExpression: ExpressionCompiler,
  field = `rule ${doc.name}`,
): PatternSpec<unknown> => {
  const compile = named(compileExpression);
  const predicate = (text: string, at: string) => {
    const fn = compile(text, 'bool', at);
    return (event: unknown) => fn(event) === true;
  };
  const kinds = [doc.count, doc.sequence, doc.not_followed].filter((k) => k !== undefined).length;
  if (kinds !== 1)
    throw invalid(`${field}: a pattern rule needs exactly one of count, sequence or not_followed`);
  const key = compile(doc.key, 'key', `${field}.key`) as (event: unknown) => Key;
  if (doc.count) {
    if (!Number.isInteger(doc.count.more_than) || doc.count.more_than < 0) {
      throw invalid(`${field}.count.more_than: must be a whole number ≥ 0`);
    }
    return {
      name: doc.name,
      key,
      count: {
        where: doc.count.where ? predicate(doc.count.where, `${field}.count.where`) : undefined,
        moreThan: doc.count.more_than,
        within: within(doc.count.within, `${field}.count.within`),
      },
    };
  }
  const pair = (doc.sequence ?? doc.not_followed)!;
  const which = doc.sequence ? 'sequence' : 'not_followed';
  const compiled = {
    first: predicate(pair.first, `${field}.${which}.first`),
    followedBy: predicate(pair.followed_by, `${field}.${which}.followed_by`),
    within: within(pair.within, `${field}.${which}.within`),
  };
  return doc.sequence
    ? { name: doc.name, key, sequence: compiled }
    : { name: doc.name, key, notFollowed: compiled };
};

/** Compile errors name the rule's field they come from. */
const named =
  (compile: ExpressionCompiler): ExpressionCompiler =>
  (text, use, field) => {
    try {
      return compile(text, use, field);
    } catch (error) {
      throw new TributaryError('TRB_ALERT_INVALID', `${field}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };

/** What the pattern step emits before it is split: a match signal or a late event. */
type PatternOutput<T> = { readonly signal: Observation } | { readonly late: T };

/** Per key: events waiting for the watermark, and the detector's state. */
interface PatternKeyState {
  buffer: [ts: number, tags: number][];
  machine: unknown;
}

export interface PatternStreams<T> {
  /** Observations for the alert engine (`AlertEngine.observe`): series `pattern:<name>`. */
  readonly observations: Stream<Observation>;
  /** Events that arrived after the watermark had passed them: sink them where late data goes. */
  readonly late: Stream<T>;
}

/**
 * Adds a pattern detector to a stream: keyed by the pattern's key, events are held until
 * the watermark passes them and then fed to the detector in event-time order, so the result
 * does not depend on arrival order within the watermark's bound. Events older than the
 * watermark come out of `late`. Both streams must be sunk.
 *
 * @example
 * const { observations, late } = patternAlerts(logins, {
 *   name: 'brute-force', key: (e) => e.ip,
 *   count: { where: (e) => !e.success, moreThan: 5, within: 60_000 },
 * });
 * observations.sink('alerts');
 * late.sink('late-logins');
 */
export const patternAlerts = <T>(stream: Stream<T>, spec: PatternSpec<T>): PatternStreams<T> => {
  const { tag, machine } = detectorOf(spec);
  const series = patternSeries(spec.name);
  const fn: KeyedProcessFunction<Key, T, PatternOutput<T>, PatternKeyState> = {
    onEvent(event, ctx) {
      const tags = tag(event);
      if (tags === 0) return;
      if (ctx.timestamp <= ctx.watermark) {
        ctx.emit({ late: event });
        return;
      }
      const state = ctx.state.get() ?? { buffer: [], machine: machine.init() };
      state.buffer.push([ctx.timestamp, tags]);
      ctx.state.set(state);
      ctx.timers.atEventTime(ctx.timestamp);
    },
    onTimer(time, ctx) {
      const state = ctx.state.get();
      if (!state) return;
      const key = String(ctx.key);
      const out = (value: number, at: number) =>
        ctx.emit({ signal: { series, key, value, timestamp: at } }, at);
      const due = state.buffer.filter(([ts]) => ts <= time).sort((a, b) => a[0] - b[0]);
      if (due.length > 0) state.buffer = state.buffer.filter(([ts]) => ts > time);
      for (const [ts, tags] of due) machine.event(state.machine, ts, tags, out);
      machine.advance(state.machine, time, out);
      const deadline = machine.deadline(state.machine);
      if (deadline !== undefined) ctx.timers.atEventTime(deadline);
      if (state.buffer.length === 0 && machine.idle(state.machine)) ctx.state.clear();
      else ctx.state.set(state);
    },
  };
  const name = `pattern:${spec.name}`;
  const split = stream
    .keyBy(spec.key, { name: `${name}:key` })
    .process<PatternOutput<T>, PatternKeyState>(fn, { name })
    .branch({ late: (o) => 'late' in o }, { name: `${name}:late?` });
  return {
    observations: split.otherwise.map((o) => (o as { signal: Observation }).signal, {
      name: `${name}:signals`,
    }),
    late: split.late.map((o) => (o as { late: T }).late, { name: `${name}:late` }),
  };
};

const detectorOf = <T>(spec: PatternSpec<T>): { tag: (event: T) => number; machine: Machine<unknown> } => {
  if (spec.count) {
    const where = spec.count.where;
    return {
      tag: where ? (e) => (where(e) ? TAG_A : 0) : () => TAG_A,
      machine: countMachine(spec.count.moreThan, spec.count.within) as Machine<unknown>,
    };
  }
  const pair = spec.sequence ?? spec.notFollowed;
  if (!pair) throw invalid(`pattern ${spec.name}: give count, sequence or notFollowed`);
  return {
    tag: (e) => (pair.first(e) ? TAG_A : 0) | (pair.followedBy(e) ? TAG_B : 0),
    machine: (spec.sequence
      ? sequenceMachine(pair.within)
      : notFollowedMachine(pair.within)) as Machine<unknown>,
  };
};

export interface PatternPipelineOptions {
  /** Sink of the observations (default `alerts`); the runtime feeds it to `AlertEngine.observe`. */
  readonly sink?: string;
  /** Sink of late events (default `alerts-late`). */
  readonly lateSink?: string;
}

/**
 * A pipeline of its own for a pattern rule of the configuration: its source (with the
 * rule's event time and watermark) → the detector → `sink`, late events → `lateSink`.
 */
export const patternPipeline = (
  doc: PatternRuleDocument,
  compile: ExpressionCompiler,
  options: PatternPipelineOptions = {},
): Plan => {
  const field = `rule ${doc.name}`;
  const spec = toPatternSpec(doc, compile, field);
  const time = doc.time
    ? (named(compile)(doc.time, 'time', `${field}.time`) as (event: unknown) => EventTime)
    : undefined;
  const p = pipeline(`alert:${doc.name}`);
  const source = p.source<unknown>(doc.source, {
    time,
    watermark: boundedOutOfOrderness(doc.watermark ?? 0),
  });
  const { observations, late } = patternAlerts(source, spec);
  observations.sink(options.sink ?? 'alerts');
  late.sink(options.lateSink ?? 'alerts-late');
  return p.build();
};
