import { pathToFileURL } from 'node:url';
import type { TributaryConfig } from '../../config/index.js';
import type { Plan } from '../../engine/plan/plan.js';
import { TributaryError } from '../../errors.js';

/**
 * How a worker thread builds a pipeline's plan. Plans hold functions, which cannot cross
 * to another thread; so a worker builds the plan itself, the same way the main thread did,
 * and gets the same operators with the same names.
 */
export type PlanRecipe =
  /** A pipeline of a configuration file: YAML, a module it names, or a pattern alert rule. */
  | { readonly kind: 'config'; readonly file: string; readonly pipeline: string }
  /** A module whose export (default: `default`) is a Pipeline or a Plan. */
  | { readonly kind: 'module'; readonly module: string; readonly export?: string };

const configs = new Map<string, Promise<TributaryConfig>>();

export const buildPlan = async (recipe: PlanRecipe): Promise<Plan> => {
  if (recipe.kind === 'module') {
    const exported = (await import(pathToFileURL(recipe.module).href))[recipe.export ?? 'default'];
    return toPlan(exported, `${recipe.module}#${recipe.export ?? 'default'}`);
  }
  // Loaded only for a configuration's pipelines: a thread running plans of a module never
  // pays for the configuration's parsers and validators.
  const [{ loadConfig }, { patternPlans }] = await Promise.all([
    import('../../config/index.js'),
    import('../pattern-plans.js'),
  ]);
  let config = configs.get(recipe.file);
  if (!config) configs.set(recipe.file, (config = loadConfig(recipe.file)));
  const loaded = await config;
  const plan =
    loaded.pipelines.find((p) => p.name === recipe.pipeline)?.plan ??
    patternPlans(loaded.alerts).find((p) => p.name === recipe.pipeline);
  if (!plan) {
    throw new TributaryError(
      'TRB_INVALID_PLAN',
      `${recipe.file} has no pipeline "${recipe.pipeline}" any more; was it changed while Tributary ran?`,
    );
  }
  return plan;
};

const toPlan = (exported: unknown, where: string): Plan => {
  const candidate = exported as { build?: () => Plan; name?: unknown; nodes?: unknown } | undefined;
  if (candidate && typeof candidate.build === 'function') return candidate.build();
  if (candidate && typeof candidate.name === 'string' && Array.isArray(candidate.nodes))
    return candidate as Plan;
  throw new TributaryError('TRB_INVALID_PLAN', `${where} is not a Pipeline or a Plan`);
};
