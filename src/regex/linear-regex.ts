/**
 * Regular expressions users give — alert matchers (`=~`), CEL's `.matches()`, the pattern
 * of a file source — run on data from outside (label values, records, log lines). With a
 * backtracking engine such as JavaScript's, `(a+)+$` against 31 `a`s and a `!` takes
 * seconds and doubles with each character, freezing the event loop. These run on RE2's
 * semantics instead (`re2js`, a JavaScript port of RE2/J: no native binary to build or
 * download): time linear in the input, whatever the pattern. What RE2 leaves out —
 * backreferences, lookaround — is refused at compile time with the reason.
 *
 * @example
 * const web = compileLinearRegex('web-\\d+', 'alerts.silences[0].matchers[1].value');
 * web.fullMatch('web-12'); // true
 */
import { RE2JS } from 're2js';

export interface LinearRegex {
  readonly source: string;
  /** Whether the whole text matches (Prometheus' and Alertmanager's matchers). */
  fullMatch(text: string): boolean;
  /** Whether some part of the text matches (CEL's `matches`). */
  find(text: string): boolean;
  /** The named groups of the first match (groups that took no part left out), or undefined. */
  groups(text: string): Record<string, string> | undefined;
  /** The names of its named groups, in order. */
  readonly groupNames: readonly string[];
}

/** Why a pattern does not compile, in RE2's words: thrown by `compileLinearRegex`. */
export class RegexSyntaxError extends Error {}

const cache = new Map<string, LinearRegex>();
/** Compiled patterns kept for reuse, at most: silences and expressions repeat theirs. */
const CACHE_SIZE = 10_000;

/** Compiles `source` (RE2 syntax, which JavaScript's common syntax is part of); throws `RegexSyntaxError`. */
export const compileLinearRegex = (source: string): LinearRegex => {
  const cached = cache.get(source);
  if (cached) return cached;
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(source);
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    // What RE2 gives up to stay linear; its own message would only say the syntax is invalid.
    const unsupported = /\(\?<?[=!]|\\[1-9]/.test(source);
    throw new RegexSyntaxError(
      unsupported
        ? `${reason} (lookaround and backreferences are not supported: patterns run in linear time)`
        : reason,
    );
  }
  const groupNames = Object.entries(pattern.namedGroups())
    .sort(([, a], [, b]) => a - b)
    .map(([name]) => name);
  const regex: LinearRegex = {
    source,
    groupNames,
    fullMatch: (text) => pattern.testExact(text),
    find: (text) => pattern.test(text),
    groups: (text) => {
      const match = pattern.exec(text) as (string[] & { groups?: Record<string, string | undefined> }) | null;
      if (!match) return undefined;
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(match.groups ?? {}))
        if (value !== undefined) out[name] = value;
      return out;
    },
  };
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(source, regex);
  return regex;
};
