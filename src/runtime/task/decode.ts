import type { DeadLetterRecord } from '../../connectors/dead-letter.js';
import { rawInput } from '../../connectors/dead-letter.js';
import type { RecordBatch } from '../../connectors/source.js';
import type { Position } from '../../engine/batch.js';
import type { SourceBatch } from '../../engine/job/job.js';
import { describeError } from '../../errors.js';
import type { Format } from '../../formats/index.js';

/**
 * A batch read from a source, as the engine takes it: values decoded by the source's
 * format, the record timestamps, and each record's position. A record the format cannot
 * read becomes a dead letter with its raw bytes and position; the rest go on.
 */
export const decodeBatch = (
  batch: RecordBatch,
  format: Format,
  context: { readonly pipeline: string; readonly source: string; readonly now: number },
  deadLetter: (letter: DeadLetterRecord) => void,
): SourceBatch<unknown> => {
  const { count, data, valueStarts, valueEnds, offsets, timestamps, topic, partition } = batch;
  // One Buffer view over the batch's bytes (a worker receives a plain Uint8Array).
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const values: unknown[] = [];
  const times: number[] = [];
  const positions: Position[] = [];
  for (let i = 0; i < count; i++) {
    const position = { topic, partition, offset: offsets[i] };
    try {
      values.push(format.decode(bytes, valueStarts[i], valueEnds[i]));
    } catch (error) {
      const key = batch.keys[i];
      deadLetter({
        at: context.now,
        stage: 'decode',
        source: context.source,
        pipeline: context.pipeline,
        operator: `decode:${context.source}`,
        error: describeError(error),
        ...rawInput(bytes.subarray(valueStarts[i], valueEnds[i])),
        timestamp: timestamps[i],
        ...(key === undefined ? {} : { key }),
        position,
      });
      continue;
    }
    times.push(timestamps[i]);
    positions.push(position);
  }
  return { values, timestamps: times, positions, split: String(partition) };
};
