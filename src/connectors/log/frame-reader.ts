import { read, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { bodyLengthAt, FRAME_HEADER_BYTES, isPlausibleBodyLength } from './record-format.js';

const readAsync = promisify(read);

/** `peek` results that are not a frame size. */
export const FRAME_END = 0;
export const FRAME_NEEDS_READ = -1;
/** The file ends inside the frame: a write that never finished. */
export const FRAME_TORN = -2;
/** The header claims a length no record can have. */
export const FRAME_INVALID = -3;

/**
 * Walks the frames of a segment file in large chunks. `peek` is synchronous, so a loop over
 * thousands of records awaits only when a chunk runs out — never once per record. `fill`
 * reads on libuv's thread pool; `fillSync` on the calling thread, for a worker thread whose
 * only work is the records it reads (a round trip to the pool would leave it idle).
 *
 * With `reuse`, one buffer serves every chunk (scans that keep nothing); without it, each
 * chunk is a fresh buffer, because records handed to readers are views into it.
 */
export class FrameReader {
  buffer: Buffer = Buffer.alloc(0);
  /** File position of the current frame. */
  position: number;
  private bufferStart = 0;
  private bufferEnd = 0;
  private limit: number;

  constructor(
    private readonly fd: number,
    position: number,
    limit: number,
    private readonly chunkBytes: number,
    private readonly reuse: boolean,
  ) {
    this.position = position;
    this.limit = limit;
  }

  /** Where the current frame starts in `buffer`. */
  get at(): number {
    return this.position - this.bufferStart;
  }

  /** The size of the current frame if it is whole in memory, else one of the FRAME_* codes. */
  peek(): number {
    const remaining = this.limit - this.position;
    if (remaining <= 0) return FRAME_END;
    if (remaining < FRAME_HEADER_BYTES) return FRAME_TORN;
    if (this.position + FRAME_HEADER_BYTES > this.bufferEnd) return FRAME_NEEDS_READ;
    const bodyLength = bodyLengthAt(this.buffer, this.at);
    if (!isPlausibleBodyLength(bodyLength)) return FRAME_INVALID;
    const frameBytes = FRAME_HEADER_BYTES + bodyLength;
    if (frameBytes > remaining) return FRAME_TORN;
    if (this.position + frameBytes > this.bufferEnd) return FRAME_NEEDS_READ;
    return frameBytes;
  }

  advance(frameBytes: number): void {
    this.position += frameBytes;
  }

  /** Lets the walk go on to `limit`, the segment's size now that more was written to it. */
  extend(limit: number): void {
    if (limit > this.limit) this.limit = limit;
  }

  /** Reads the next chunk so that the current frame (or at least its header) is in memory. */
  async fill(): Promise<void> {
    const size = this.nextChunk();
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await readAsync(
        this.fd,
        this.buffer,
        filled,
        size - filled,
        this.position + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.filled(size, filled);
  }

  /** `fill` on the calling thread. */
  fillSync(): void {
    const size = this.nextChunk();
    let filled = 0;
    while (filled < size) {
      const bytesRead = readSync(this.fd, this.buffer, filled, size - filled, this.position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.filled(size, filled);
  }

  /** The size of the chunk to read from the current frame on, with a buffer for it. */
  private nextChunk(): number {
    let needed = FRAME_HEADER_BYTES;
    if (this.position >= this.bufferStart && this.position + FRAME_HEADER_BYTES <= this.bufferEnd) {
      needed += bodyLengthAt(this.buffer, this.at);
    }
    const size = Math.min(Math.max(this.chunkBytes, needed), this.limit - this.position);
    if (!this.reuse || this.buffer.length < size) this.buffer = Buffer.allocUnsafe(size);
    return size;
  }

  private filled(size: number, filled: number): void {
    this.bufferStart = this.position;
    this.bufferEnd = this.position + filled;
    // The file is shorter than we were told (truncated under us): what is missing is torn.
    if (filled < size) this.limit = this.bufferEnd;
  }
}
