/**
 * The schema registry of this test run, from test/registry-global-setup.ts: the one that
 * SCHEMA_REGISTRY_URL names, or a local one (Apicurio) the run started.
 *
 * @example
 * const registry = new SchemaRegistry({ url: schemaRegistryUrl() });
 */
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The base URL of a Confluent-compatible API (`…/apis/ccompat/v7` for Apicurio); '' when the run has none. */
    schemaRegistryUrl: string;
  }
}

export const schemaRegistryUrl = (): string => {
  const url = inject('schemaRegistryUrl');
  if (url) return url;
  const why =
    process.env.TRIBUTARY_NO_REGISTRY === '1'
      ? 'TRIBUTARY_NO_REGISTRY=1 is set'
      : 'none of the test files the run started with calls schemaRegistryUrl() (watch mode?)';
  throw new Error(
    `This test needs a schema registry, and this run has none: ${why}. ` +
      'Unset TRIBUTARY_NO_REGISTRY and run vitest again, or set SCHEMA_REGISTRY_URL=http://host:port/….',
  );
};
