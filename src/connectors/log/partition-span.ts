import { FramePacker } from './frame-packer.js';
import type { LogRead } from './log-access.js';
import { type ReadBudget, readSpan, type SegmentSpan } from './segment.js';

/**
 * Where the records of a partition from an offset are, for a reader that opens the files
 * itself: a worker thread asks the thread that owns the log for a span (no I/O there) and
 * reads the bytes on its own, so the owner's thread does no work per record.
 */
export interface PartitionSpan {
  /** The offset asked for, or the first one still retained if that is later. */
  readonly fromOffset: number;
  readonly startOffset: number;
  /** The offset the next appended record gets; records below it are completely written. */
  readonly endOffset: number;
  /** The segment that holds `fromOffset`, when there is a record to read. */
  readonly segment?: SegmentSpan & {
    readonly nextOffset: number;
    /** How far before `fromOffset` its index entry may be: read past, not kept. */
    readonly indexIntervalBytes: number;
  };
}

/**
 * How much of a segment a read takes into memory at once: what the read may return, plus the
 * frames between an index entry and the offset wanted; at most 8 MiB.
 */
export const chunkBytesFor = (maxBytes: number, indexIntervalBytes: number): number =>
  Math.min(maxBytes, 8 * 1024 * 1024) + indexIntervalBytes;

/**
 * Reads a span's records, at most `maxRecords` and about `maxBytes`, as frames the caller
 * checks and decodes (`decodeFrames`). A read stops at the end of the span's segment; the
 * next read asks for the next span.
 */
export const readPartitionSpan = async (
  span: PartitionSpan,
  limits: { readonly maxRecords: number; readonly maxBytes: number },
): Promise<LogRead> => {
  const { fromOffset, startOffset, endOffset, segment } = span;
  const bounds = { fromOffset, startOffset, endOffset };
  if (!segment) return { frames: new Uint8Array(0), count: 0, nextOffset: fromOffset, ...bounds };
  const packer = new FramePacker();
  const budget: ReadBudget = { records: limits.maxRecords, bytes: limits.maxBytes, taken: 0 };
  const chunkBytes = chunkBytesFor(limits.maxBytes, segment.indexIntervalBytes);
  const end = Math.min(endOffset, segment.nextOffset);
  await readSpan(segment, fromOffset, end, budget, chunkBytes, packer.take, false);
  return { ...packer.pack(), nextOffset: fromOffset + budget.taken, ...bounds };
};

/**
 * `readPartitionSpan` of the span `locate` gives, located anew when retention deleted the
 * segment between the two (the span then starts at what is left).
 */
export const readLocated = async (
  locate: () => PartitionSpan | Promise<PartitionSpan>,
  limits: { readonly maxRecords: number; readonly maxBytes: number },
): Promise<LogRead> => {
  for (let attempt = 1; ; attempt++) {
    const span = await locate();
    try {
      return await readPartitionSpan(span, limits);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
};
