/**
 * `tributary reset`: a pipeline's checkpoints forgotten, so that the next start rereads its
 * topics from the earliest record; refused while the platform runs, and for a pipeline the
 * configuration does not have.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/store/checkpoint-store.js';
import { openSeriesStore } from '../../src/store/index.js';
import { freePort, run, until } from './helpers.js';

interface PipelineBody {
  readonly recordsIn: number;
}

describe('tributary reset', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const configure = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-reset-'));
    dirs.push(dir);
    const port = await freePort();
    const config = join(dir, 'tributary.yaml');
    await writeFile(
      config,
      [
        `data_dir: ${join(dir, 'data')}`,
        `server: { port: ${port} }`,
        'checkpoint: { interval: 1h }',
        'sources:',
        '  orders: { type: http }',
        'pipelines:',
        '  - name: per-customer',
        '    source: orders',
        '    time: ts',
        '    steps:',
        '      - key_by: customer',
        '      - window: { tumbling: 1m }',
        '        aggregate: { orders: count }',
        '    sink: per-customer',
        '',
      ].join('\n'),
    );
    return { dir, port, config };
  };

  const start = async (config: string, port: number) => {
    const started = run(['start', '--config', config]);
    children.push(started.child);
    await until(() => started.output().includes('Tributary is running'), `the server: ${started.output()}`);
    const recordsIn = async () =>
      ((await (await fetch(`http://127.0.0.1:${port}/api/v1/pipelines/per-customer`)).json()) as PipelineBody)
        .recordsIn;
    return { ...started, recordsIn };
  };

  const checkpointedTasks = async (dir: string) => {
    const store = await openSeriesStore({ backend: 'pglite', dataDir: join(dir, 'data', 'store') });
    try {
      return await CheckpointStore.on(store).tasks('per-customer');
    } finally {
      await store.close();
    }
  };

  it('forgets the checkpoints: the next start rereads the topic from its first record', {
    timeout: 90_000,
  }, async () => {
    const { dir, port, config } = await configure();
    const first = await start(config, port);
    const orders = [
      { customer: 'c1', ts: 1_000 },
      { customer: 'c2', ts: 2_000 },
    ];
    const posted = await fetch(`http://127.0.0.1:${port}/api/v1/streams/orders/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orders),
    });
    expect(posted.status).toBe(202);
    await until(async () => (await first.recordsIn()) === 2, 'the pipeline to read the orders');

    // While it runs, the reset is refused: the platform would overwrite it at its next checkpoint.
    const refused = run(['reset', '--config', config, 'per-customer']);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('Stop Tributary before resetting a pipeline');

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await checkpointedTasks(dir)).toEqual(['all']);

    const reset = run(['reset', '--config', config, 'per-customer']);
    expect(await reset.exited).toBe(0);
    expect(reset.output()).toContain('reset pipeline "per-customer": forgot the checkpoints of 1 task');
    expect(await checkpointedTasks(dir)).toEqual([]);

    // Without a checkpoint, the pipeline reads both orders again.
    const second = await start(config, port);
    await until(async () => (await second.recordsIn()) === 2, 'the pipeline to reread the orders');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('names the pipelines there are when asked for one the configuration lacks', async () => {
    const { config } = await configure();
    const result = run(['reset', '--config', config, 'per-kustomer']);
    expect(await result.exited).toBe(1);
    expect(result.output()).toContain('no pipeline "per-kustomer"; the configuration has "per-customer"');
  });
});
