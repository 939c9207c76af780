import type { TSchema } from 'typebox';
import { formatPath } from '../config/issues.js';
import { checkSchema } from '../config/validate.js';
import { TributaryError } from '../errors.js';

/**
 * Checks a document the API was given (a rule, a silence) against the schema the
 * configuration checks it with, so that both refuse alike and say where: every problem,
 * each after its path under `field` (`silence.matchers[0]: …`).
 */
export const checkDocument = (schema: TSchema, doc: unknown, field: string): void => {
  const problems = checkSchema(schema, doc, [field]);
  if (problems.length === 0) return;
  throw new TributaryError(
    'TRB_ALERT_INVALID',
    problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('; '),
  );
};
