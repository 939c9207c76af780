import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { TributaryError } from '../../src/errors.js';
import { RpcEndpoint, Transfer } from '../../src/threads/rpc.js';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

const pair = (
  left: ConstructorParameters<typeof RpcEndpoint>[1],
  right: ConstructorParameters<typeof RpcEndpoint>[1],
) => {
  const channel = new MessageChannel();
  channels.push(channel);
  return [new RpcEndpoint(channel.port1, left), new RpcEndpoint(channel.port2, right)] as const;
};

describe('calls between threads', () => {
  it('answer with what the other side returns, async or not', async () => {
    const [a] = pair({}, { add: (x: number, y: number) => x + y, later: async (x: string) => `${x}!` });
    expect(await a.call('add', [2, 3])).toBe(5);
    expect(await a.call('later', ['hi'])).toBe('hi!');
  });

  it('reject with the error thrown there, keeping a TributaryError code and domain', async () => {
    const [a] = pair(
      {},
      {
        disk: () => {
          throw new TributaryError('TRB_LOG_IO_FAILED', 'the disk is full');
        },
        bug: () => {
          throw new RangeError('out of range');
        },
      },
    );
    const disk = await a.call('disk').catch((error: unknown) => error);
    expect(disk).toBeInstanceOf(TributaryError);
    expect(disk).toMatchObject({
      code: 'TRB_LOG_IO_FAILED',
      domain: 'external',
      message: 'the disk is full',
    });
    const bug = await a.call('bug').catch((error: unknown) => error);
    expect(bug).toMatchObject({ name: 'RangeError', message: 'out of range' });
    expect((bug as Error).stack).toContain('thrown on another thread');
    await expect(a.call('nothing')).rejects.toThrow('no handler for "nothing" on this thread');
  });

  it('move transferred buffers instead of copying them, both ways', async () => {
    const [a] = pair(
      {},
      {
        fill: (buffer: ArrayBuffer) => {
          new Uint8Array(buffer).fill(7);
          return new Transfer(buffer, [buffer]);
        },
      },
    );
    const sent = new ArrayBuffer(4);
    const back = await a.call<ArrayBuffer>('fill', [sent], [sent]);
    expect(sent.byteLength).toBe(0);
    expect([...new Uint8Array(back)]).toEqual([7, 7, 7, 7]);
  });

  it('deliver notices without an answer, and fail waiting calls on close', async () => {
    const heard: string[] = [];
    const [a, b] = pair(
      {},
      { hear: (text: string) => void heard.push(text), never: () => new Promise(() => {}) },
    );
    a.notify('hear', ['one']);
    const pending = a.call('never');
    await expect.poll(() => heard).toEqual(['one']);
    a.close(new Error('the worker exited'));
    await expect(pending).rejects.toThrow('the worker exited');
    await expect(a.call('hear', ['two'])).rejects.toThrow('the worker exited');
    b.close(new Error('done'));
  });
});
