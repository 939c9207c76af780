import { TributaryError } from '../../errors.js';
import { type Batch, BatchBuilder, batchOf, type Key } from '../batch.js';
import { keyGroupOf, partitionOfGroup } from '../state/key-groups.js';
import type { Operator, OperatorContext } from './operator.js';

/*
 * Stateless operators take retractions: a retraction carries the values of the row it
 * withdraws, so transforming it as that row was transformed (and keeping its row kind)
 * withdraws exactly what the row became downstream.
 */

/** The records of `batch` whose flag in `keep` is set (`kept` of them), with `values` in place of its values. */
const select = <T>(batch: Batch<unknown>, values: T[], keep: Uint8Array, kept: number): Batch<T> => {
  const n = values.length;
  const outValues: T[] = new Array(kept);
  const outTimestamps: number[] = new Array(kept);
  for (let i = 0, j = 0; i < n; i++) {
    if (keep[i] === 0) continue;
    outValues[j] = values[i];
    outTimestamps[j++] = batch.timestamps[i];
  }
  return batchOf(
    outValues,
    outTimestamps,
    batch.keys && pick(batch.keys, keep, kept),
    batch.positions && pick(batch.positions, keep, kept),
    batch.split,
    batch.retractions && pick(batch.retractions, keep, kept),
  );
};

/** The batch with other values, or keys. */
const withColumns = <T>(batch: Batch<unknown>, values: T[], keys: Key[] | undefined): Batch<T> =>
  batchOf(values, batch.timestamps, keys, batch.positions, batch.split, batch.retractions);

const pick = <T>(items: T[], keep: Uint8Array, kept: number): T[] => {
  const out: T[] = new Array(kept);
  for (let i = 0, j = 0; i < items.length; i++) if (keep[i] === 1) out[j++] = items[i];
  return out;
};

/** The batch without the records at `dropped` (ascending indices), which were dead-lettered. */
const without = <T>(batch: Batch<unknown>, values: T[], dropped: number[]): Batch<T> => {
  const keep = new Uint8Array(values.length).fill(1);
  for (const i of dropped) keep[i] = 0;
  return select(batch, values, keep, values.length - dropped.length);
};

export const mapOperator = (fn: (value: any) => unknown): Operator => ({
  takesRetractions: true,
  process(batch, _input, ctx) {
    const { values } = batch;
    const n = values.length;
    const out = new Array(n);
    let failed: number[] | undefined;
    for (let i = 0; i < n; i++) {
      try {
        out[i] = fn(values[i]);
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        (failed ??= []).push(i);
      }
    }
    ctx.emit(failed ? without(batch, out, failed) : withColumns(batch, out, batch.keys));
  },
});

export const filterOperator = (predicate: (value: any) => boolean): Operator => ({
  takesRetractions: true,
  process(batch, _input, ctx) {
    const { values } = batch;
    const n = values.length;
    // Decide first, then copy in tight loops: cheaper than growing four arrays record by record.
    const keep = new Uint8Array(n);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      try {
        if (predicate(values[i])) {
          keep[i] = 1;
          kept++;
        }
      } catch (error) {
        ctx.deadLetter(batch, i, error);
      }
    }
    ctx.emit(kept === n ? batch : select(batch, values, keep, kept));
  },
});

export const flatMapOperator = (fn: (value: any) => Iterable<unknown>): Operator => ({
  takesRetractions: true,
  process(batch, _input, ctx) {
    const { values } = batch;
    const out = BatchBuilder.like<unknown>(batch);
    for (let i = 0; i < values.length; i++) {
      let produced: Iterable<unknown>;
      try {
        produced = fn(values[i]);
        // Materialize first, so a generator that throws halfway emits nothing for this record.
        produced = Array.isArray(produced) ? produced : [...produced];
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      for (const value of produced) out.addFrom(value, batch, i);
    }
    ctx.emit(out.build(batch.split));
  },
});

/**
 * Rejects records for which `check` returns a reason (a string) or throws; `undefined`,
 * `true` or `null` mean valid.
 */
export const validateOperator = (check: (value: any) => string | boolean | null | undefined): Operator => ({
  takesRetractions: true,
  process(batch, _input, ctx) {
    const { values } = batch;
    let failed: number[] | undefined;
    for (let i = 0; i < values.length; i++) {
      let reason: string | undefined;
      try {
        const verdict = check(values[i]);
        if (typeof verdict === 'string') reason = verdict;
        else if (verdict === false) reason = 'the record failed validation';
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        (failed ??= []).push(i);
        continue;
      }
      if (reason !== undefined) {
        ctx.deadLetter(batch, i, new TributaryError('TRB_BAD_RECORD', `${ctx.operator}: ${reason}`));
        (failed ??= []).push(i);
      }
    }
    ctx.emit(failed ? without(batch, values, failed) : batch);
  },
});

/** Keys must be primitives that compare by value; anything else would split or merge state wrongly. */
export const checkKey = (key: unknown, operator: string): Key => {
  const type = typeof key;
  if (type === 'string' || type === 'boolean' || (type === 'number' && Number.isFinite(key)))
    return key as Key;
  const shown = type === 'number' ? String(key) : key === null ? 'null' : type;
  throw new TributaryError(
    'TRB_BAD_RECORD',
    `${operator}: the key is ${shown}; a key must be a string, a finite number or a boolean (return e.g. String(...) for a composite key)`,
  );
};

/**
 * Keys each record. Given the partition its job reads (a `partitioned` key-by), it also
 * checks that each key belongs to that partition, as Kafka's partitioner places keys.
 */
export const keyByOperator = (
  selector: (value: any) => unknown,
  scope?: { readonly partition: number; readonly partitions: number },
): Operator => ({
  takesRetractions: true,
  process(batch, _input, ctx: OperatorContext) {
    const { values } = batch;
    const n = values.length;
    const keys: Key[] = new Array(n);
    let failed: number[] | undefined;
    for (let i = 0; i < n; i++) {
      try {
        const key = selector(values[i]);
        // Strings are the common key: the full check (and the operator's name it needs) only for the rest.
        keys[i] = typeof key === 'string' ? key : checkKey(key, ctx.operator);
        if (scope) checkPartition(keys[i], scope, ctx.operator);
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        (failed ??= []).push(i);
      }
    }
    const keyed = withColumns(batch, values, keys);
    ctx.emit(failed ? without(keyed, values, failed) : keyed);
  },
});

const checkPartition = (
  key: Key,
  scope: { readonly partition: number; readonly partitions: number },
  operator: string,
): void => {
  const home = partitionOfGroup(keyGroupOf(key, scope.partitions), scope.partitions);
  if (home === scope.partition) return;
  throw new TributaryError(
    'TRB_BAD_RECORD',
    `${operator}: key ${JSON.stringify(key)} belongs to partition ${home} of ${scope.partitions}, but the record came from partition ${scope.partition}: the topic is not partitioned by this key. Give records this key when they are appended (Kafka's partitioner places them), or drop "partitioned" from this key_by so that one task reads every partition`,
  );
};

/** Merges streams: batches pass through as they come; the executor holds the watermark at the slowest input. */
export const unionOperator = (): Operator => ({
  takesRetractions: true,
  process(batch, _input, ctx) {
    ctx.emit(batch);
  },
});

/** Sends each record to the port of the first predicate it satisfies; the last port takes the rest. */
export const branchOperator = (predicates: readonly ((value: any) => boolean)[]): Operator => ({
  takesRetractions: true,
  process(batch, _input, ctx) {
    const { values } = batch;
    const ports = predicates.length + 1;
    const outs: BatchBuilder<unknown>[] = [];
    for (let p = 0; p < ports; p++) outs.push(BatchBuilder.like(batch));
    for (let i = 0; i < values.length; i++) {
      let port = predicates.length;
      try {
        for (let p = 0; p < predicates.length; p++) {
          if (predicates[p](values[i])) {
            port = p;
            break;
          }
        }
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      outs[port].addFrom(values[i], batch, i);
    }
    for (let p = 0; p < ports; p++) if (outs[p].length > 0) ctx.emit(outs[p].build(batch.split), p);
  },
});

/** Hands batches to the job's output under the sink's name. */
export const sinkOperator = (
  name: string,
  deliver: (name: string, batch: Batch<unknown>) => void,
): Operator => ({
  takesRetractions: true,
  process(batch) {
    deliver(name, batch);
  },
});
