/**
 * A task writes its sinks while it reads on: one write at a time, each after the one under
 * way, so a sink's writes never overtake each other, and a failed write leaves its records
 * for the next.
 */
import { describe, expect, it } from 'vitest';
import { SinkWrites } from '../../../src/runtime/task/sink-writes.js';

/** A sink that buffers numbers and writes them, each write taking until `release` is called. */
class SlowSink {
  buffer: number[] = [];
  written: number[][] = [];
  failNext = false;
  private releases: (() => void)[] = [];

  get pending(): number {
    return this.buffer.length;
  }

  async flush(): Promise<void> {
    const taken = this.buffer;
    this.buffer = [];
    await new Promise<void>((resolve) => this.releases.push(resolve));
    if (this.failNext) {
      this.failNext = false;
      this.buffer = taken.concat(this.buffer);
      throw new Error('the store is down');
    }
    this.written.push(taken);
  }

  release(): void {
    this.releases.shift()?.();
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the sink writes of a task', () => {
  it('counts what the sinks hold, and writes each sink in turn, one write after another', async () => {
    const [first, second] = [new SlowSink(), new SlowSink()];
    let now = 1_000;
    const writes = new SinkWrites(
      () => [first, second],
      () => now,
    );
    first.buffer.push(1, 2);
    second.buffer.push(3);
    expect(writes.pending).toBe(3);
    expect(writes.idle).toBe(true);

    const one = writes.start();
    expect(writes.idle).toBe(false);
    expect(writes.lastAt).toBe(1_000);
    now = 2_000;
    await tick();
    first.buffer.push(4); // arrives while the first write is under way
    const two = writes.start();
    expect(writes.lastAt).toBe(2_000);

    first.release();
    await tick();
    second.release();
    await one;
    await tick();
    // The second write began only after the first had written both sinks.
    first.release();
    await tick();
    second.release();
    await two;
    expect(first.written).toEqual([[1, 2], [4]]);
    expect(second.written).toEqual([[3], []]);
    expect(writes.idle).toBe(true);
    expect(writes.pending).toBe(0);
  });

  it('keeps what a failed write held for the next, and settles without the failure', async () => {
    const sink = new SlowSink();
    const writes = new SinkWrites(
      () => [sink],
      () => 0,
    );
    sink.buffer.push(1);
    sink.failNext = true;
    const failed = writes.start();
    await tick();
    sink.release();
    await expect(failed).rejects.toThrow('the store is down');
    await writes.settled();
    expect(writes.pending).toBe(1);

    const retried = writes.start();
    await tick();
    sink.release();
    await retried;
    expect(sink.written).toEqual([[1]]);
  });
});
