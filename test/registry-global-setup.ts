/**
 * Gives the test run a Confluent-compatible schema registry (read it with test/registry.ts):
 *
 * - SCHEMA_REGISTRY_URL set: that registry (its Confluent API's base URL).
 * - otherwise a local Apicurio Registry (scripts/registry/registry.ts), started once for
 *   the run and stopped at its end: 6–22 s and ~270 MB, plus a one-time download of
 *   ~90 MB from Maven Central. It starts only when a test file of the run calls
 *   schemaRegistryUrl(), and never with TRIBUTARY_NO_REGISTRY=1.
 */
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startRegistry } from '../scripts/registry/registry.js';

const USES_REGISTRY = /\bschemaRegistryUrl\(/;

/**
 * The files of the run are known before the global setup (vitest collects their paths
 * first), so a run of unrelated files skips the registry. When vitest does not say, the
 * registry starts: a missing registry fails tests, a needless one only costs seconds.
 */
const runNeedsRegistry = (project: TestProject): boolean => {
  if (process.env.TRIBUTARY_NO_REGISTRY === '1') return false;
  let files: string[] = [];
  try {
    files = project.vitest.state.getPaths();
  } catch {}
  return files.length === 0 || files.some((file) => USES_REGISTRY.test(readFileSync(file, 'utf8')));
};

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.SCHEMA_REGISTRY_URL;
  if (external || !runNeedsRegistry(project)) {
    project.provide('schemaRegistryUrl', external ?? '');
    return undefined;
  }
  const started = Date.now();
  const registry = await startRegistry();
  process.stderr.write(
    `Schema registry for the tests: ${registry.url}, ready in ${Math.round((Date.now() - started) / 1000)} s; ` +
      'SCHEMA_REGISTRY_URL=http://host:port/… uses another registry.\n',
  );
  project.provide('schemaRegistryUrl', registry.url);
  return () => registry.stop();
}
