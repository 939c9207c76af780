import { TributaryError } from '../../errors.js';
import type { RecordBatch, RecordHeaders } from '../source.js';
import { bodyLengthAt, decodeFrame, FRAME_HEADER_BYTES, frameIsIntact } from './record-format.js';

/**
 * Frames read from a partition (`readPartitionSpan`) as a `RecordBatch`, checked: each
 * frame's CRC is verified here, on the thread that reads and decodes them, never on the thread
 * that owns the log. Values stay where they are in `frames`: no copy.
 */
export const decodeFrames = (
  topic: string,
  partition: number,
  frames: Uint8Array,
  count: number,
  nextOffset: number,
): RecordBatch => {
  const buffer = Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength);
  const offsets = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const valueStarts = new Uint32Array(count);
  const valueEnds = new Uint32Array(count);
  const keys: (string | undefined)[] = new Array(count);
  let headers: (RecordHeaders | undefined)[] | undefined;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const frameBytes = FRAME_HEADER_BYTES + bodyLengthAt(buffer, pos);
    if (pos + frameBytes > buffer.length || !frameIsIntact(buffer, pos, frameBytes)) {
      throw new TributaryError(
        'TRB_LOG_CORRUPT',
        `topic '${topic}' partition ${partition}: the record after offset ${i === 0 ? 'none' : offsets[i - 1]} failed its CRC32 check, so the disk changed it after it was written; restore the partition from a backup, or move its segment and the ones after it away to drop them`,
      );
    }
    const record = decodeFrame(buffer, pos, frameBytes);
    offsets[i] = record.offset;
    timestamps[i] = record.timestamp;
    keys[i] = record.key;
    valueStarts[i] = record.value.byteOffset - buffer.byteOffset;
    valueEnds[i] = valueStarts[i] + record.value.length;
    if (record.headers) {
      headers ??= new Array(count).fill(undefined);
      headers[i] = record.headers;
    }
    pos += frameBytes;
  }
  return {
    topic,
    partition,
    count,
    offsets,
    timestamps,
    keys,
    ...(headers ? { headers } : {}),
    data: frames,
    valueStarts,
    valueEnds,
    nextOffset,
  };
};
