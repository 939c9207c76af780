import Type from 'typebox';

/**
 * A duration setting in a schema: `"10s"`, `"1m30s"` or milliseconds. Its own module, so
 * that connectors' and alerting's option schemas use the same one as the configuration's.
 */
export const duration = (description: string, options: Record<string, unknown> = {}) =>
  Type.Unsafe<string | number>({
    type: ['string', 'number'],
    format: 'duration',
    minimum: 0,
    description,
    ...options,
  });
