import {
  ConfigError,
  type Environment,
  formatIssue,
  loadConfig,
  type TributaryConfig,
} from '../config/index.js';
import { DEMO_GENERATOR_CATALOGUE } from '../demo/generators/index.js';
import { TributaryError } from '../errors.js';
import { resolveOptions } from '../server/options.js';
import { serverOptionsOf } from './process.js';

export interface ValidateOptions {
  /** Where lines go; default: stdout for the summary, stderr for errors. */
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  readonly env?: Environment;
  readonly cwd?: string;
}

/**
 * `tributary validate FILE`: loads and compiles the configuration as `start` would, and
 * checks its server settings as `start` does, without starting anything. Prints every error (`file:line: field: message`) and returns 1, or a
 * one-line summary of what is configured and returns 0.
 */
export const runValidate = async (file: string, options: ValidateOptions = {}): Promise<number> => {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    const config = await loadConfig(file, {
      env: options.env,
      cwd: options.cwd,
      generators: DEMO_GENERATOR_CATALOGUE,
    });
    // What `start` refuses before starting anything (no API keys beyond loopback, …) too.
    resolveOptions(serverOptionsOf(config));
    out(summarize(config));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const issue of error.issues) err(formatIssue(issue));
      err(`${file}: ${error.issues.length === 1 ? '1 error' : `${error.issues.length} errors`}`);
    } else if (error instanceof TributaryError) {
      err(error.message);
    } else {
      err(`${file}: validation failed unexpectedly (a bug in Tributary; please report it): ${String(error)}`);
    }
    return 1;
  }
};

/** `pipelines.yaml: OK: 2 pipelines (a, b); 4 sources (clicks: generator, …); 3 sinks; store embedded; …` */
export const summarize = (config: TributaryConfig): string => {
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const named = (entries: [string, { type: string }][]) =>
    entries.length === 0 ? '' : ` (${entries.map(([name, s]) => `${name}: ${s.type}`).join(', ')})`;
  const pipelines = config.pipelines.map((p) => p.name);
  const sources = Object.entries(config.sources);
  const sinks = Object.entries(config.sinks);
  const { server, store } = config;
  return [
    `${config.file}: OK: ${plural(pipelines.length, 'pipeline')}${pipelines.length ? ` (${pipelines.join(', ')})` : ''}`,
    `${plural(sources.length, 'source')}${named(sources)}`,
    `${plural(sinks.length, 'sink')}${named(sinks)}`,
    `store ${store.type}`,
    `server ${server.host}:${server.port}${server.apiKeys.length ? ` with ${plural(server.apiKeys.length, 'API key')}` : ''}`,
  ].join('; ');
};
