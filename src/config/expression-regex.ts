/**
 * CEL's `text.matches(pattern)` on RE2's semantics, as CEL specifies it. The CEL library
 * runs it on JavaScript's backtracking RegExp, where a pattern like `(a+)+$` takes
 * exponential time in the record's text: a record could stall the pipeline. Every
 * `matches` call of an expression is therefore renamed to a function of the same meaning
 * on the linear-time engine (src/regex), and a literal pattern is checked when the
 * expression compiles, so that one RE2 refuses is refused with the configuration.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { compileLinearRegex, RegexSyntaxError } from '../regex/linear-regex.js';

/** What `matches` calls run as; the expression's text keeps `matches`. */
const LINEAR_MATCHES = 'matches_re2';

interface AstNode {
  readonly op: string;
  readonly args: unknown;
  readonly start: number;
  readonly end: number;
}

const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && 'op' in value && 'start' in value;

/** Adds the linear-time `matches` to the environment. */
export const registerLinearMatches = (environment: Environment): void => {
  environment.registerFunction(`string.${LINEAR_MATCHES}(string): bool`, (text: string, pattern: string) => {
    try {
      return compileLinearRegex(pattern).find(text);
    } catch (error) {
      if (error instanceof RegexSyntaxError)
        throw new Error(`${JSON.stringify(pattern)} is not a regular expression: ${error.message}`);
      throw error;
    }
  });
};

/**
 * The expression with its `matches` calls renamed (the text as is when it has none), or the
 * reason a literal pattern is refused.
 */
export const withLinearMatches = (text: string, ast: unknown): { text: string } | { refused: string } => {
  const calls: AstNode[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const child of node) walk(child);
    else if (isNode(node)) {
      const args = node.args as unknown[];
      if (node.op === 'rcall' && args[0] === 'matches' && Array.isArray(args[2]) && args[2].length === 1)
        calls.push(node);
      if (node.op !== 'value') walk(node.args);
    }
  };
  walk(ast);
  let out = text;
  // From the last call back, so that each rename leaves the positions before it as they are.
  for (const call of calls.sort((a, b) => b.start - a.start)) {
    const [, receiver, [pattern]] = call.args as [string, AstNode, [AstNode]];
    if (pattern.op === 'value' && typeof pattern.args === 'string') {
      try {
        compileLinearRegex(pattern.args);
      } catch (error) {
        if (!(error instanceof RegexSyntaxError)) throw error;
        return { refused: `${JSON.stringify(pattern.args)} is not a regular expression: ${error.message}` };
      }
    }
    const between = out.slice(receiver.end, pattern.start);
    const at = receiver.end + between.lastIndexOf('matches');
    out = `${out.slice(0, at)}${LINEAR_MATCHES}${out.slice(at + 'matches'.length)}`;
  }
  return { text: out };
};
