import { describe, expect, it } from 'vitest';
import { compileLinearRegex, RegexSyntaxError } from '../../src/regex/linear-regex.js';

describe('linear-time regular expressions', () => {
  it('match in time linear in the text: a pattern that backtracks exponentially in JavaScript ends at once', () => {
    // 2^60 steps on a backtracking engine: this test would never end.
    const evil = compileLinearRegex('(a+)+$');
    const text = `${'a'.repeat(60)}!`;
    expect(evil.find(text)).toBe(false);
    expect(evil.fullMatch(text)).toBe(false);
    expect(compileLinearRegex('^(a|aa)+b$').find('a'.repeat(60))).toBe(false);
  });

  it('match the whole text or any part of it, as asked', () => {
    const web = compileLinearRegex('web-\\d+');
    expect(web.fullMatch('web-12')).toBe(true);
    expect(web.fullMatch('xweb-12')).toBe(false);
    expect(web.find('xweb-12')).toBe(true);
    expect(compileLinearRegex('(?i)ERROR').find('an error')).toBe(true);
  });

  it('give named groups, leaving out the ones that took no part', () => {
    const line = compileLinearRegex('^(?<level>\\w+) (?<msg>.*?)(?: code=(?<code>\\d+))?$');
    expect(line.groupNames).toEqual(['level', 'msg', 'code']);
    expect(line.groups('WARN disk low code=7')).toEqual({ level: 'WARN', msg: 'disk low', code: '7' });
    expect(line.groups('INFO started')).toEqual({ level: 'INFO', msg: 'started' });
    expect(line.groups('')).toBeUndefined();
  });

  it('refuse what RE2 leaves out, saying why', () => {
    const refusal = (source: string) => {
      try {
        compileLinearRegex(source);
      } catch (error) {
        expect(error).toBeInstanceOf(RegexSyntaxError);
        return (error as Error).message;
      }
      throw new Error(`compiled ${source}`);
    };
    expect(refusal('(')).toBe('missing closing ): `(`');
    expect(refusal('(?=a)a')).toMatch(
      /\(lookaround and backreferences are not supported: patterns run in linear time\)$/,
    );
    expect(refusal('(a)\\1')).toMatch(/^invalid escape sequence: `\\1` \(lookaround and backreferences/);
  });
});
