import { describe, expect, it } from 'vitest';
import { fileConnector } from '../../../src/connectors/file/connector.js';
import { resolveBlock } from '../helpers.js';

describe('the file connector', () => {
  it('reads JSON lines, from a path relative to the configuration file', () => {
    expect(resolveBlock(fileConnector, { type: 'file', path: 'logs/app.log' })).toEqual({
      settings: { type: 'file', path: '/etc/tributary/logs/app.log', format: 'json' },
      problems: [],
    });
    expect(resolveBlock(fileConnector, { type: 'file', path: '/var/log/app.log' }).settings).toMatchObject({
      path: '/var/log/app.log',
    });
  });

  it('splits lines by a pattern with named groups', () => {
    const pattern = '^(?<level>\\w+) (?<msg>.*)$';
    expect(resolveBlock(fileConnector, { type: 'file', path: 'a.log', format: 'pattern', pattern })).toEqual({
      settings: { type: 'file', path: '/etc/tributary/a.log', format: 'pattern', pattern },
      problems: [],
    });
  });

  it('needs a pattern for format: pattern, and leaves nothing to run without one', () => {
    expect(resolveBlock(fileConnector, { type: 'file', path: 'a.log', format: 'pattern' })).toEqual({
      settings: undefined,
      problems: [
        `: missing required field "pattern": format: pattern needs a regex with named groups, e.g. '^(?<ts>\\S+) (?<level>\\w+) (?<msg>.*)$'`,
      ],
    });
  });

  it.each([
    ['(abc', 'pattern: is not a regular expression: missing closing ): `(abc`'],
    ['\\w+', 'pattern: has no named groups; name the parts that become fields, e.g. (?<level>\\w+)'],
    [
      '(?<=x)(?!y)\\w',
      'pattern: is not a regular expression: invalid named capture: `(?<=x)(?!y)\\w` (lookaround and backreferences are not supported: patterns run in linear time)',
    ],
  ])('refuses the pattern %s', (pattern, problem) => {
    expect(
      resolveBlock(fileConnector, { type: 'file', path: 'a.log', format: 'pattern', pattern }).problems,
    ).toEqual([problem]);
  });

  it('says a pattern without format: pattern is not used', () => {
    expect(resolveBlock(fileConnector, { type: 'file', path: 'a.log', pattern: '(?<a>.)' }).problems).toEqual(
      ['pattern: goes with format: pattern; add format: pattern or remove it'],
    );
  });
});
