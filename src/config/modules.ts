import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plan } from '../engine/index.js';
import type { ConfigPath } from './issues.js';
import type { PipelineFile } from './schema.js';
import { undeclared } from './settings.js';

/** Keys of a YAML pipeline that a module pipeline defines in its module instead. */
const DEFINED_IN_MODULE = [
  'source',
  'sources',
  'time',
  'watermark',
  'idleness',
  'steps',
  'sink',
  'sinks',
] as const;

export interface ModuleContext {
  readonly report: (path: ConfigPath, message: string) => void;
  readonly baseDir: string;
  readonly sources: readonly string[];
}

/**
 * Loads a pipeline written with the TypeScript API: the module's default export is a
 * `Pipeline` (built here) or a `Plan`. Its sources must be declared in the config; its
 * sinks, like a YAML pipeline's, are declared sinks or store series. The plan takes the
 * config's pipeline name.
 */
export const loadModulePipeline = async (
  file: PipelineFile,
  path: ConfigPath,
  ctx: ModuleContext,
): Promise<{ plan: Plan; module: string } | undefined> => {
  let problems = 0;
  const report = (at: ConfigPath, message: string) => {
    problems++;
    ctx.report(at, message);
  };
  for (const key of DEFINED_IN_MODULE) {
    if (file[key] !== undefined) {
      report([...path, key], `does not go with module: a module pipeline is defined in ${file.module}`);
    }
  }
  const at = [...path, 'module'];
  const module = resolve(ctx.baseDir, file.module!);
  if (!existsSync(module)) {
    report(
      at,
      `${JSON.stringify(file.module)} does not exist (looked for ${module}); paths are relative to the config file`,
    );
    return undefined;
  }
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(module).href)) as { default?: unknown }).default;
  } catch (error) {
    report(at, `${JSON.stringify(file.module)} failed to load: ${(error as Error).message}`);
    return undefined;
  }
  let plan: Plan;
  try {
    plan = toPlan(exported);
  } catch (error) {
    report(at, `${JSON.stringify(file.module)}: ${(error as Error).message}`);
    return undefined;
  }
  for (const node of plan.nodes) {
    if (node.kind === 'source' && !ctx.sources.includes(node.source)) {
      report(
        at,
        `${JSON.stringify(file.module)} reads ${undeclared('source', node.source, ctx.sources, 'sources')}`,
      );
    }
  }
  if (problems > 0) return undefined;
  const named = plan.name === file.name ? plan : Object.freeze({ name: file.name, nodes: plan.nodes });
  return { plan: named, module };
};

/** A built plan from a default export; duck-typed, so that a module may import another copy of Tributary. */
const toPlan = (exported: unknown): Plan => {
  const candidate = exported as { build?: unknown; name?: unknown; nodes?: unknown } | null | undefined;
  if (candidate && typeof candidate.build === 'function') return (candidate.build as () => Plan)();
  if (candidate && typeof candidate.name === 'string' && Array.isArray(candidate.nodes))
    return candidate as Plan;
  throw new Error(
    'its default export is not a Pipeline or a Plan; end the module with export default pipeline("name")…sink("out")',
  );
};
