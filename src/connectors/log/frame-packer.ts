import type { FrameTaker } from './segment.js';

/**
 * Collects frames handed over in place (views into the chunks a read filled) and packs them
 * back to back. Frames follow each other in those chunks, so it copies runs of them, not one
 * frame at a time.
 */
export class FramePacker {
  private readonly runs: Buffer[] = [];
  private run: { buffer: Buffer; start: number; end: number } | undefined;
  private count = 0;
  private bytes = 0;

  readonly take: FrameTaker = (buffer, at, frameBytes) => {
    this.count++;
    this.bytes += frameBytes;
    const run = this.run;
    if (run && run.buffer === buffer && run.end === at) {
      run.end += frameBytes;
      return;
    }
    if (run) this.runs.push(run.buffer.subarray(run.start, run.end));
    this.run = { buffer, start: at, end: at + frameBytes };
  };

  /**
   * The frames in one buffer: a view into the chunk they were read into when they all came
   * from one (the usual case), else a copy of the runs back to back.
   */
  pack(): { frames: Uint8Array; count: number } {
    const { run, runs, count } = this;
    if (run) runs.push(run.buffer.subarray(run.start, run.end));
    this.run = undefined;
    if (runs.length === 1) return { frames: runs[0], count };
    const frames = new Uint8Array(this.bytes);
    let at = 0;
    for (const piece of runs) {
      frames.set(piece, at);
      at += piece.length;
    }
    return { frames, count };
  }
}
