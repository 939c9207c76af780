import { TributaryError } from '../../errors.js';
import type { RecordBatch, RecordHeaders } from '../source.js';
import {
  bodyLengthAt,
  FRAME_HEADER_BYTES,
  frameHeaders,
  frameKey,
  frameOffset,
  frameTimestamp,
  intactValueStart,
} from './record-format.js';

/**
 * Frames read from a partition (`readPartitionSpan`) as a `RecordBatch`, checked: each
 * frame's CRC is verified here, on the thread that reads and decodes them, never on the thread
 * that owns the log. Values stay where they are in `frames`: no copy, and no object per
 * record but its key and headers.
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
    const valueStart = pos + frameBytes > buffer.length ? -1 : intactValueStart(buffer, pos, frameBytes);
    if (valueStart < 0) {
      throw new TributaryError(
        'TRB_LOG_CORRUPT',
        `topic '${topic}' partition ${partition}: the record after offset ${i === 0 ? 'none' : offsets[i - 1]} failed its CRC32 check, so the disk changed it after it was written; restore the partition from a backup, or move its segment and the ones after it away to drop them`,
      );
    }
    offsets[i] = frameOffset(buffer, pos);
    timestamps[i] = frameTimestamp(buffer, pos);
    keys[i] = frameKey(buffer, pos);
    valueStarts[i] = valueStart;
    valueEnds[i] = pos + frameBytes;
    const recordHeaders = frameHeaders(buffer, pos);
    if (recordHeaders) {
      headers ??= new Array(count).fill(undefined);
      headers[i] = recordHeaders;
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
