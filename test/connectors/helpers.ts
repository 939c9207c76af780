import type { IntakeConnector, IntakeResolveContext } from '../../src/connectors/connector.js';
import type { Appender } from '../../src/connectors/ingestor.js';

/** What a connector's `resolve` makes of a block: its settings and every problem, as `field: message`. */
export const resolveBlock = <Settings extends { readonly type: string }, Options>(
  connector: IntakeConnector<Settings, Options>,
  block: Options,
  context: Partial<IntakeResolveContext> = {},
) => {
  const problems: string[] = [];
  const settings = connector.resolve('src', block, {
    baseDir: '/etc/tributary',
    report: (path, message) => problems.push(`${path.join('.')}: ${message}`),
    ...context,
  });
  return { settings, problems };
};

/** An appender for connectors whose ingestors a test makes but does not start. */
export const nowhere: Appender = {
  append: async () => {
    throw new Error('not started: nothing is appended');
  },
};
