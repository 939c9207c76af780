import { join, resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import { compileLinearRegex, type LinearRegex } from '../../regex/linear-regex.js';
import type { IntakeConnector } from '../connector.js';
import { sourceTopicOptions } from '../source-topic.js';
import { createFileIngestor } from './file-ingestor.js';

export type FileSourceSettings =
  | { readonly type: 'file'; readonly path: string; readonly format: 'json' }
  | { readonly type: 'file'; readonly path: string; readonly format: 'pattern'; readonly pattern: string };

const options = Type.Object(
  {
    type: Type.Literal('file'),
    path: Type.String({
      minLength: 1,
      examples: ['./app.log'],
      description: 'The file to follow, relative to the config file; it may not exist yet',
    }),
    format: Type.Optional(
      Type.Enum(['json', 'pattern'], {
        default: 'json',
        description: 'json: one JSON value a line; pattern: the named groups of pattern become fields',
      }),
    ),
    pattern: Type.Optional(
      Type.String({ minLength: 1, description: 'With format: pattern, a regex with named groups' }),
    ),
    ...sourceTopicOptions,
  },
  { additionalProperties: false },
);

/** Why `pattern` cannot split lines into fields, if it cannot. */
const regexProblem = (pattern: string): string | undefined => {
  let regex: LinearRegex;
  try {
    regex = compileLinearRegex(pattern);
  } catch (error) {
    return `is not a regular expression: ${(error as Error).message}`;
  }
  return regex.groupNames.length > 0
    ? undefined
    : 'has no named groups; name the parts that become fields, e.g. (?<level>\\w+)';
};

/** Lines of a file followed like `tail -F`, resuming at the saved position. */
export const fileConnector: IntakeConnector<FileSourceSettings, Static<typeof options>> = {
  type: 'file',
  summary: 'Lines of a file followed like tail -F (rotation included), resuming where it stopped',
  options,
  resolve: (_name, block, { baseDir, report }) => {
    const path = resolve(baseDir, block.path);
    if ((block.format ?? 'json') === 'json') {
      if (block.pattern !== undefined)
        report(['pattern'], 'goes with format: pattern; add format: pattern or remove it');
      return { type: 'file', path, format: 'json' };
    }
    if (block.pattern === undefined) {
      report(
        [],
        `missing required field "pattern": format: pattern needs a regex with named groups, e.g. '^(?<ts>\\S+) (?<level>\\w+) (?<msg>.*)$'`,
      );
      return undefined;
    }
    const problem = regexProblem(block.pattern);
    if (problem) report(['pattern'], problem);
    return { type: 'file', path, format: 'pattern', pattern: block.pattern };
  },
  create: async (name, settings, appender, { dataDir }) =>
    createFileIngestor(
      {
        name,
        path: settings.path,
        format: settings.format === 'pattern' ? { regex: settings.pattern } : 'json',
        stateDir: join(dataDir, 'ingest'),
      },
      appender,
    ),
};
