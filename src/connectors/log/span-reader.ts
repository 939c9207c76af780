import { closeSync, openSync } from 'node:fs';
import { partitionId } from '../source.js';
import { FramePacker } from './frame-packer.js';
import { FrameReader } from './frame-reader.js';
import { type LogRead, type PartitionReader, READ_MAX_BYTES } from './log-access.js';
import { chunkBytesFor, type PartitionSpan } from './partition-span.js';
import { type FrameWalk, type ReadBudget, takeFrames } from './segment.js';

/** How old the bounds a cursor knows may be before it asks for new ones, in the background. */
export const REFRESH_AFTER_MS = 200;

const NOTHING = new Uint8Array(0);

/** Where reading a partition stands: a segment file open at the next frame to read. */
interface Cursor {
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly path: string;
  readonly fd: number;
  readonly reader: FrameReader;
  readonly walk: FrameWalk;
  /** Records below it are in this segment and completely written. */
  end: number;
  startOffset: number;
  endOffset: number;
  /** When the bounds were last asked for. */
  locatedAt: number;
  refreshing: boolean;
}

/**
 * Reads the embedded log's partitions on a worker thread, for one source. The thread that
 * owns the log says where the records are (`locate`); this reader keeps the segment file
 * open at the next frame and reads it on its own thread, in chunks that serve several
 * batches, and asks again only when it has read every record it knows of. A read then costs
 * the worker no round trip to another thread: its event loop turns only between batches, so
 * each such trip would be time it sits idle. The partition's bounds (its end for lag, the
 * segment's growth) are asked for in the background once they are `REFRESH_AFTER_MS` old.
 *
 * A segment that retention deletes while it is open stays readable until the cursor moves
 * on: its records were retained when it was located, and reading them late is harmless.
 */
export class SpanReader implements PartitionReader {
  private readonly cursors = new Map<string, Cursor>();
  /** Counts the times a partition was forgotten: a locate that outlived it places no cursor. */
  private readonly forgets = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly locate: (topic: string, partition: number, offset: number) => Promise<PartitionSpan>,
    private readonly now: () => number = () => performance.now(),
    private readonly maxBytes = READ_MAX_BYTES,
  ) {}

  async read(topic: string, partition: number, offset: number, maxRecords: number): Promise<LogRead> {
    const id = partitionId({ topic, partition });
    const known = this.cursors.get(id);
    if (known && known.walk.offset === offset && offset < known.end) {
      this.refresh(known);
      return this.take(known, offset, maxRecords);
    }
    const forgets = this.forgets.get(id);
    for (let attempt = 1; ; attempt++) {
      const span = await this.locate(topic, partition, offset);
      const { fromOffset, startOffset, endOffset, segment } = span;
      if (!segment || this.closed || this.forgets.get(id) !== forgets) {
        return { frames: NOTHING, count: 0, fromOffset, nextOffset: fromOffset, startOffset, endOffset };
      }
      try {
        return this.take(this.place(id, topic, partition, span), fromOffset, maxRecords);
      } catch (error) {
        // Retention deleted the segment between `locate` and opening it: locate again.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
      }
    }
  }

  forget(topic: string, partition: number): void {
    const id = partitionId({ topic, partition });
    const cursor = this.cursors.get(id);
    if (cursor) closeSync(cursor.fd);
    this.cursors.delete(id);
    this.forgets.set(id, (this.forgets.get(id) ?? 0) + 1);
  }

  close(): void {
    this.closed = true;
    for (const cursor of this.cursors.values()) closeSync(cursor.fd);
    this.cursors.clear();
  }

  /** A cursor at the span's segment: the one there is when it stands at the span's start. */
  private place(id: string, topic: string, partition: number, span: PartitionSpan): Cursor {
    const segment = span.segment!;
    const cursor = this.cursors.get(id);
    if (cursor && cursor.path === segment.path && cursor.walk.offset === span.fromOffset) {
      this.learn(cursor, span);
      return cursor;
    }
    const fd = openSync(segment.path, 'r');
    if (cursor) closeSync(cursor.fd);
    const chunkBytes = chunkBytesFor(this.maxBytes, segment.indexIntervalBytes);
    const placed: Cursor = {
      id,
      topic,
      partition,
      path: segment.path,
      fd,
      reader: new FrameReader(fd, segment.position, segment.size, chunkBytes, false),
      walk: { offset: segment.offset },
      end: 0,
      startOffset: 0,
      endOffset: 0,
      locatedAt: 0,
      refreshing: false,
    };
    this.learn(placed, span);
    this.cursors.set(id, placed);
    return placed;
  }

  /** What a span says of the cursor's segment and partition; bounds only ever grow. */
  private learn(cursor: Cursor, span: PartitionSpan): void {
    cursor.locatedAt = this.now();
    cursor.startOffset = span.startOffset;
    cursor.endOffset = Math.max(cursor.endOffset, span.endOffset);
    if (span.segment?.path !== cursor.path) return;
    cursor.end = Math.max(cursor.end, Math.min(span.endOffset, span.segment.nextOffset));
    cursor.reader.extend(span.segment.size);
  }

  private take(cursor: Cursor, from: number, maxRecords: number): LogRead {
    const packer = new FramePacker();
    const budget: ReadBudget = { records: maxRecords, bytes: this.maxBytes, taken: 0 };
    while (
      takeFrames(cursor.reader, cursor.walk, from, cursor.end, budget, packer.take, false, cursor.path) ===
      'fill'
    )
      cursor.reader.fillSync();
    // The file ended before the records it should hold: ask where they are next time.
    if (budget.taken === 0) cursor.end = cursor.walk.offset;
    const { startOffset, endOffset } = cursor;
    return { ...packer.pack(), fromOffset: from, nextOffset: from + budget.taken, startOffset, endOffset };
  }

  private refresh(cursor: Cursor): void {
    if (cursor.refreshing || this.now() - cursor.locatedAt < REFRESH_AFTER_MS) return;
    cursor.refreshing = true;
    this.locate(cursor.topic, cursor.partition, cursor.walk.offset).then(
      (span) => {
        cursor.refreshing = false;
        if (this.cursors.get(cursor.id) === cursor) this.learn(cursor, span);
      },
      () => {
        // Asked again at the next read; a failure that lasts shows when the cursor runs out.
        cursor.refreshing = false;
      },
    );
  }
}
