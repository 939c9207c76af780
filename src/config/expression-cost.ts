/**
 * A bound on what one expression may cost per record, checked when it compiles. CEL cannot
 * loop forever, but its comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`)
 * nest: each level multiplies the steps by the length of a list in the record, so that 12
 * nested levels would run 10^12 steps for a record with lists of 10 items. What a pipeline
 * needs — a test over a list, or over the lists in a list — stays within the bound.
 */

/** Comprehensions inside one another, at most: a list of lists. */
const MAX_COMPREHENSION_NESTING = 2;
/** Comprehensions in one expression, at most. */
const MAX_COMPREHENSIONS = 10;

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly start?: number;
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && 'op' in value;

/** A comprehension macro call: `list.exists(x, …)`; its name, or undefined. */
const comprehension = (node: Node): string | undefined => {
  if (node.op !== 'rcall') return undefined;
  const [name, , params] = node.args as [unknown, unknown, unknown];
  return typeof name === 'string' && COMPREHENSIONS.has(name) && Array.isArray(params) && params.length >= 2
    ? name
    : undefined;
};

/** Why the expression costs too much per record, or undefined when it is within the bound. */
export const costProblem = (ast: unknown): string | undefined => {
  let count = 0;
  let deepest: { depth: number; name: string; at: number } = { depth: 0, name: '', at: 0 };
  const walk = (node: unknown, depth: number): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child, depth);
      return;
    }
    if (!isNode(node) || node.op === 'value') return;
    const name = comprehension(node);
    const inner = name ? depth + 1 : depth;
    if (name) {
      count++;
      if (inner > deepest.depth) deepest = { depth: inner, name, at: node.start ?? 0 };
    }
    walk(node.args, inner);
  };
  walk(ast, 0);
  if (deepest.depth > MAX_COMPREHENSION_NESTING)
    return (
      `nests ${deepest.depth} comprehensions (the ${deepest.name} at column ${deepest.at + 1} is inside ${deepest.depth - 1}); ` +
      `at most ${MAX_COMPREHENSION_NESTING} may nest, as each level multiplies the steps per record by a list's length`
    );
  if (count > MAX_COMPREHENSIONS)
    return `has ${count} comprehensions (all, exists, exists_one, map, filter); at most ${MAX_COMPREHENSIONS}`;
  return undefined;
};
