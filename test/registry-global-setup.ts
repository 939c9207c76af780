/**
 * Gives the test run a Confluent-compatible schema registry (read it with test/registry.ts):
 *
 * - SCHEMA_REGISTRY_URL set: that registry (its Confluent API's base URL).
 * - otherwise a local Apicurio Registry (scripts/registry/registry.ts), started once for
 *   the run and stopped at its end: 6–22 s and ~270 MB, plus a one-time download of
 *   ~90 MB from Maven Central. It starts only when a test file of the run calls
 *   schemaRegistryUrl(), itself or through a test helper it imports (test/run-needs.ts), and
 *   never with TRIBUTARY_NO_REGISTRY=1.
 */
import type { TestProject } from 'vitest/node';
import { startRegistry } from '../scripts/registry/registry.js';
import { runNeeds } from './run-needs.js';

const USES_REGISTRY = /\bschemaRegistryUrl\(/;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.SCHEMA_REGISTRY_URL;
  if (external || !runNeeds(project, USES_REGISTRY, 'TRIBUTARY_NO_REGISTRY')) {
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
