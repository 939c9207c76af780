/**
 * Reading the deployment files as the tools that run them would: YAML documents, the
 * Dockerfile's stages and instructions, and the environment a configuration names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOY = join(ROOT, 'deploy');

export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
export const exists = (path: string): boolean => existsSync(join(ROOT, path));

/** One YAML document; a syntax error throws, naming the file. */
export const readYaml = <T = any>(path: string): T => {
  try {
    return parse(read(path)) as T;
  } catch (error) {
    throw new Error(`${path} is not valid YAML: ${(error as Error).message}`);
  }
};

/** Every document of a YAML text (`---` separated); `where` names it in a syntax error. */
export const readYamlDocumentsOf = (text: string, where = 'the text'): any[] =>
  parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${where} is not valid YAML: ${doc.errors[0].message}`);
    return doc.toJS();
  });

/** Every document of a file (`---` separated). */
export const readYamlDocuments = (path: string): any[] => readYamlDocumentsOf(read(path), path);

/** The variables a configuration must be given: `${NAME}` without a default (docs/configuration.md). */
export const requiredVariables = (configText: string): string[] => {
  const names = new Set<string>();
  for (const line of configText.split('\n')) {
    const value = line.replace(/(^|\s)#.*$/, '');
    for (const match of value.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(match[1]);
  }
  return [...names].sort();
};

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, … */
  readonly keyword: string;
  /** The rest of the instruction, continuation lines joined. */
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

/**
 * The stages of a Dockerfile, each with its instructions. Comment lines are dropped, also
 * inside a continued instruction, as Docker does.
 */
export const parseDockerfile = (text: string): Stage[] => {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    pending += pending === '' ? line : ` ${line}`;
    if (pending.endsWith('\\')) {
      pending = pending.slice(0, -1).trimEnd();
      continue;
    }
    const [keyword, ...rest] = pending.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') });
    pending = '';
  }
  const stages: { image: string; name?: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' ? { name } : {}), instructions: [] });
    } else if (stages.length > 0) stages[stages.length - 1].instructions.push(instruction);
  }
  return stages;
};

/** The instructions of a stage with this keyword. */
export const all = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);

/** The last one, which is the one in force (ENTRYPOINT, CMD, USER, WORKDIR, HEALTHCHECK). */
export const last = (stage: Stage, keyword: string): Instruction | undefined => all(stage, keyword).at(-1);

/** `["a", "b"]`: the exec form's arguments; the shell form is refused. */
export const execForm = (args: string): string[] => {
  if (!args.startsWith('[')) throw new Error(`not in exec form (a JSON array): ${args}`);
  return JSON.parse(args) as string[];
};

/** `COPY [--from=stage] SRC… DEST` */
export const copyOf = (instruction: Instruction): { from?: string; sources: string[]; dest: string } => {
  const words = instruction.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
};

/** `ENV A=1 B=2` and `ENV A 1`, over a stage. */
export const envOf = (stage: Stage): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const { args } of all(stage, 'ENV')) {
    if (!args.includes('=')) {
      const [name, ...value] = args.split(/\s+/);
      env[name] = value.join(' ');
      continue;
    }
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
};

/** The Dockerfile at the repository's root. */
export const dockerfile = (): Stage[] => parseDockerfile(read('Dockerfile'));

/**
 * Whether .dockerignore keeps a path (relative to the root) out of the build context. Only
 * the forms the file uses are understood — `*`, `name`, `!name`, `**\/name` — and any other
 * line throws, so the answer is never a guess. The last matching line wins, as in Docker.
 */
export const ignored = (path: string): boolean => {
  const lines = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const parts = path.split('/');
  let result = false;
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    let matches: boolean;
    if (pattern === '*') matches = true;
    else if (/^[\w.-]+$/.test(pattern)) matches = parts[0] === pattern;
    else if (/^\*\*\/[\w.-]+$/.test(pattern)) matches = parts.includes(pattern.slice(3));
    else throw new Error(`.dockerignore: the deployment tests do not understand the pattern ${line}`);
    if (matches) result = !negated;
  }
  return result;
};

/** The fenced ```yaml blocks of a Markdown file that contain `marker`, parsed. */
export const yamlBlocksOf = (path: string, marker: string): any[] =>
  [...read(path).matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
    .map((m) => m[1])
    .filter((block) => block.includes(marker))
    .map((block) => parse(block));

/**
 * Prometheus' relabelling of one label set, as `relabel_configs` and `metric_relabel_configs`
 * apply it: the labels after the rules, or undefined when a rule drops them. Only the actions
 * the deployment files use (`replace`, `keep`, `drop`); any other throws.
 */
export const relabel = (rules: any[], labels: Record<string, string>): Record<string, string> | undefined => {
  const current = { ...labels };
  for (const rule of rules) {
    const action = rule.action ?? 'replace';
    const value = ((rule.source_labels ?? []) as string[])
      .map((l) => current[l] ?? '')
      .join(rule.separator ?? ';');
    // Prometheus anchors the expression at both ends.
    const match = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).exec(value);
    if (action === 'keep' && !match) return undefined;
    if (action === 'drop' && match) return undefined;
    if (action === 'replace' && match) {
      const replacement = String(rule.replacement ?? '$1');
      current[rule.target_label] = replacement.replace(
        /\$\{?(\d+)\}?/g,
        (_, group) => match[Number(group)] ?? '',
      );
    }
    if (!['replace', 'keep', 'drop'].includes(action))
      throw new Error(`relabel: the deployment tests do not understand the action ${action}`);
  }
  return current;
};
