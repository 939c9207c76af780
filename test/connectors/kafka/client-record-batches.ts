import { type fetchV17, IS_CONTROL, IS_TRANSACTIONAL, type RecordsBatch } from '@platformatic/kafka';
import type { RecordBatch, RecordHeaders } from '../../../src/connectors/source.js';

type FetchResponsePartition = fetchV17.FetchResponsePartition;

/** Attribute bit of a batch whose timestamps the broker set on append (`LogAppendTime`). */
const LOG_APPEND_TIME = 0x08;

/**
 * What one partition of a fetch response holds, as `@platformatic/kafka` parsed it (an
 * object per record), as the source contract's columnar batch: the independent reference
 * the tests hold fetch-columns.ts to, which reads the same response's bytes itself. Records
 * at or past `from`, minus control markers and — read committed — the records of
 * aborted transactions. `nextOffset` is past everything fetched, markers included, so a
 * partition whose tail is a marker still moves on. Undefined when the response holds no
 * record batch for the partition.
 */
export const toRecordBatch = (
  topic: string,
  partition: number,
  from: number,
  fetched: FetchResponsePartition,
  readCommitted: boolean,
): RecordBatch | undefined => {
  const batches = fetched.records;
  if (!batches || batches.length === 0) return undefined;
  const kept = readCommitted ? withoutAborted(batches, fetched.abortedTransactions ?? []) : batches;
  let count = 0;
  let bytes = 0;
  let headed = false;
  for (const batch of kept) {
    if (batch.attributes & IS_CONTROL) continue;
    for (const record of batch.records) {
      if (Number(batch.firstOffset) + record.offsetDelta < from) continue;
      count++;
      bytes += record.value?.length ?? 0;
      if (record.headers.length > 0) headed = true;
    }
  }
  const offsets = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const valueStarts = new Uint32Array(count);
  const valueEnds = new Uint32Array(count);
  const keys: (string | undefined)[] = new Array(count);
  const headers: (RecordHeaders | undefined)[] | undefined = headed ? new Array(count) : undefined;
  const data = Buffer.allocUnsafe(bytes);
  let i = 0;
  let at = 0;
  for (const batch of kept) {
    if (batch.attributes & IS_CONTROL) continue;
    const first = Number(batch.firstOffset);
    const appendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
    const firstTimestamp = Number(batch.firstTimestamp);
    for (const record of batch.records) {
      const offset = first + record.offsetDelta;
      if (offset < from) continue;
      offsets[i] = offset;
      timestamps[i] = appendTime
        ? Number(batch.maxTimestamp)
        : firstTimestamp + Number(record.timestampDelta);
      keys[i] = record.key ? record.key.toString('utf8') : undefined;
      if (headers) headers[i] = record.headers.length > 0 ? headerList(record.headers) : undefined;
      valueStarts[i] = at;
      if (record.value) {
        record.value.copy(data, at);
        at += record.value.length;
      }
      valueEnds[i] = at;
      i++;
    }
  }
  const last = batches[batches.length - 1];
  return {
    topic,
    partition,
    count,
    offsets,
    timestamps,
    keys,
    ...(headers ? { headers } : {}),
    data,
    valueStarts,
    valueEnds,
    nextOffset: Math.max(from, Number(last.firstOffset) + last.lastOffsetDelta + 1),
  };
};

const headerList = (headers: readonly [Buffer | null, Buffer | null][]): RecordHeaders =>
  headers.map(([key, value]) => [key?.toString('utf8') ?? '', value ?? new Uint8Array(0)] as const);

/**
 * The batches of a read-committed fetch without those of aborted transactions, as Kafka's
 * own consumer decides it: a transactional batch is aborted when its producer has an
 * aborted transaction that began at or before the batch's end and whose abort marker has
 * not been passed yet. The broker lists the aborted transactions overlapping the fetch.
 */
const withoutAborted = (
  batches: readonly RecordsBatch[],
  aborted: readonly { producerId: bigint; firstOffset: bigint }[],
): RecordsBatch[] => {
  if (aborted.length === 0) return [...batches];
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  const abortedProducers = new Set<bigint>();
  const kept: RecordsBatch[] = [];
  let next = 0;
  for (const batch of batches) {
    if (batch.producerId >= 0n) {
      const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      while (next < pending.length && pending[next].firstOffset <= lastOffset)
        abortedProducers.add(pending[next++].producerId);
      if (batch.attributes & IS_CONTROL) {
        if (isAbortMarker(batch)) abortedProducers.delete(batch.producerId);
      } else if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) {
        continue;
      }
    }
    kept.push(batch);
  }
  return kept;
};

/** A control record's key is version (int16) then type (int16): 0 aborts, 1 commits. */
const isAbortMarker = (batch: RecordsBatch): boolean => batch.records[0]?.key?.readInt16BE(2) === 0;
