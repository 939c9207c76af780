/** The YAML forms of q0–q2 (nexmark.yaml), loaded as the platform loads a configuration. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/index.js';
import type { Plan } from '../../src/index.js';
import type { QueryName } from './query.js';

// Beside this module when run from source; in the source tree when run from dist/.
const FILE = [
  new URL('./nexmark.yaml', import.meta.url),
  new URL('../../../bench/nexmark/nexmark.yaml', import.meta.url),
]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path))!;

/** Plans by query name. */
export const yamlQueries = async (): Promise<Map<QueryName, Plan>> => {
  const config = await parseConfig(await readFile(FILE, 'utf8'), { file: FILE, env: {} });
  return new Map(
    config.pipelines.map((p) => [p.name.replace(/^nexmark-(q\d)-yaml$/, '$1') as QueryName, p.plan]),
  );
};
