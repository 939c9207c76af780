#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { runApi } from './api.js';
import { runReset } from './reset.js';
import { runStart } from './start.js';
import { runValidate } from './validate.js';
import { runWorker } from './worker.js';

const program = new Command('tributary')
  .description('A real-time data platform: ingest, event-time stream processing, storage, live API.')
  .showHelpAfterError();

program
  .command('start')
  .description('run the platform (embedded mode): sources, pipelines, store and the HTTP API')
  .option('-c, --config <file>', 'the YAML configuration (default: ./tributary.yaml)')
  .option('--demo', 'run the bundled demo: generators and the example pipelines')
  .action(async (options: { config?: string; demo?: boolean }) => {
    process.exitCode = await runStart(options);
  });

program
  .command('worker')
  .description(
    "run a worker of a deployment: processing only, sharing the pipelines' partitions with the other workers (Kafka, PostgreSQL, Redis); serves /healthz, /readyz and /metrics",
  )
  .requiredOption('-c, --config <file>', 'the YAML configuration every process of the deployment runs with')
  .option(
    '--with-intake',
    'also run the generator, MQTT and file sources here (on one worker of the deployment)',
  )
  .action(async (options: { config: string; withIntake?: boolean }) => {
    process.exitCode = await runWorker(options);
  });

program
  .command('api')
  .description(
    'run an API node of a deployment: REST, WebSocket, dashboard and HTTP ingest, stateless; what it shows comes from the workers',
  )
  .requiredOption('-c, --config <file>', 'the YAML configuration every process of the deployment runs with')
  .action(async (options: { config: string }) => {
    process.exitCode = await runApi(options);
  });

program
  .command('validate')
  .description('check a configuration: print every error with file:line and field, exit 1 if any')
  .argument('<file>', 'the YAML configuration')
  .action(async (file: string) => {
    process.exitCode = await runValidate(file);
  });

program
  .command('reset')
  .description(
    "forget a pipeline's checkpoints and state: on the next start it rereads its topics from the earliest record",
  )
  .requiredOption('-c, --config <file>', 'the YAML configuration the platform runs with')
  .argument('<pipeline>', 'the pipeline to reset')
  .action(async (pipeline: string, options: { config: string }) => {
    process.exitCode = await runReset(pipeline, { config: options.config });
  });

program
  .command('bench')
  .description('run the benchmarks; each prints one JSON line (BENCH_SCALE=0.1 for a quick run)')
  .argument('[names...]', 'benchmarks to run (default: all)')
  .action((names: string[]) => {
    const runner = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
    const child = spawn(process.execPath, [runner, ...names], { stdio: 'inherit' });
    child.on('exit', (code) => {
      process.exitCode = code ?? 1;
    });
  });

await program.parseAsync();
