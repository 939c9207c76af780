/**
 * `${NAME}` substitution. References are replaced, before the YAML is parsed, by placeholders
 * of the same length made of private-use characters: a reference may then sit anywhere a
 * plain scalar may (even inside `{ url: ${DATABASE_URL} }`, where `{` would otherwise break
 * the flow mapping), every line and column stays where it was, and a value from the
 * environment can never change the structure of the document. Placeholders are resolved in
 * the parsed scalars only, so a reference in a comment is never an error.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

interface Reference {
  /** What the reference was in the file, for messages. */
  readonly text: string;
  readonly name?: string;
  /** `${NAME:-x}`: x when NAME is unset or empty; `${NAME-x}`: x when unset. */
  readonly fallback?: { readonly value: string; readonly ifEmpty: boolean };
  /** `$${...}` stands for itself, without the first `$`. */
  readonly literal?: string;
}

export interface HiddenReferences {
  /** The file with each reference replaced by its placeholder. */
  readonly text: string;
  readonly references: readonly Reference[];
}

const REFERENCE = /\$\$\{[^}\n]*\}|\$\{([^}\n]*)\}/g;
const NAMED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}\n]*))?$/;
const START = '\uE000';
const FILL = '\uE001';
const FIRST_INDEX = 0xe100;
const MAX_REFERENCES = 0xefff - FIRST_INDEX;
const PLACEHOLDER = /\uE000([\uE100-\uEFFF])\uE001*/g;

export const hideReferences = (text: string): HiddenReferences => {
  const references: Reference[] = [];
  const hidden = text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (references.length >= MAX_REFERENCES) return match;
    if (inner === undefined) references.push({ text: match, literal: match.slice(1) });
    else {
      const named = NAMED.exec(inner.trim());
      references.push(
        named
          ? {
              text: match,
              name: named[1],
              fallback: named[3] === undefined ? undefined : { value: named[3], ifEmpty: named[2] === ':' },
            }
          : { text: match },
      );
    }
    const index = String.fromCharCode(FIRST_INDEX + references.length - 1);
    return START + index + FILL.repeat(match.length - 2);
  });
  return { text: hidden, references };
};

export const hasPlaceholder = (value: string): boolean => value.includes(START);

/** Puts the original text of every reference back, for messages about the value as written. */
export const revealReferences = (value: string, references: readonly Reference[]): string =>
  value.replace(PLACEHOLDER, (_, index: string) => references[index.charCodeAt(0) - FIRST_INDEX].text);

/**
 * Resolves the placeholders in one scalar. Problems (an unset variable without a default, a
 * malformed reference) go to `problem`; the value then keeps the reference's text.
 */
export const resolveReferences = (
  value: string,
  references: readonly Reference[],
  env: Environment,
  problem: (message: string) => void,
): string =>
  value.replace(PLACEHOLDER, (_, index: string) => {
    const reference = references[index.charCodeAt(0) - FIRST_INDEX];
    if (reference.literal !== undefined) return reference.literal;
    if (reference.name === undefined) {
      problem(`${reference.text} is not a variable reference; write \${NAME} or \${NAME:-default}`);
      return reference.text;
    }
    const set = env[reference.name];
    const fallback = reference.fallback;
    if (fallback && (set === undefined || (fallback.ifEmpty && set === ''))) return fallback.value;
    if (set !== undefined) return set;
    problem(
      `environment variable ${reference.name} is not set; set it, or give a default: \${${reference.name}:-value}`,
    );
    return reference.text;
  });

/**
 * How YAML would read `text` as a plain scalar: numbers and booleans, so that
 * `port: ${PORT}` gives a number. Quoted scalars stay strings.
 */
export const plainScalar = (text: string): string | number | boolean | null => {
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(null|Null|NULL|~)$/.test(text)) return null;
  return text;
};
