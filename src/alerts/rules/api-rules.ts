import { TributaryError } from '../../errors.js';
import type { AlertLogger } from '../alert-engine-options.js';
import type { RuleDocument } from '../schema.js';
import { type CompiledRule, compileRule } from './rule.js';

/**
 * Rules as the API left them, over the configuration's: added or replaced (the document), or
 * removed (null). The alert engine persists each change, reads them back at start, and lays
 * them over the configuration's rules at start and at every reload, so that what an operator
 * changed through the API outlives both.
 */
export class ApiRules {
  private readonly changes = new Map<string, RuleDocument | null>();

  constructor(private readonly logger: AlertLogger) {}

  /**
   * Refuses what the API may not change: a pattern rule is a step of the pipelines, built
   * from the configuration when they start, so one given here would be listed and never run;
   * nor may another rule take a pattern rule's name (`current`), whose pipeline reports on.
   */
  checkChange(doc: RuleDocument, current: CompiledRule | undefined): void {
    if (doc.type !== 'pattern' && current?.type !== 'pattern') return;
    throw new TributaryError(
      'TRB_ALERT_INVALID',
      `rule ${JSON.stringify(doc.name)}: pattern rules run as steps of the pipelines, built from the ` +
        'configuration at start; add or change it under alerts.rules in the configuration file',
    );
  }

  /** Records a change: made through the API, or read back from the store. */
  note(name: string, document: RuleDocument | null): void {
    this.changes.set(name, document);
  }

  /** `configured` with every change laid over it. */
  over(configured: readonly CompiledRule[]): CompiledRule[] {
    const rules = new Map(configured.map((rule) => [rule.name, rule]));
    for (const [name, doc] of this.changes) {
      if (doc === null) rules.delete(name);
      else {
        const rule = this.compileSaved(name, doc);
        if (rule) rules.set(name, rule);
      }
    }
    return [...rules.values()];
  }

  /** A saved rule, compiled; undefined (and a warning) when this version refuses it: the configuration's stands. */
  private compileSaved(name: string, doc: RuleDocument): CompiledRule | undefined {
    try {
      return compileRule(doc, `rule ${JSON.stringify(name)}`);
    } catch (error) {
      this.logger.warn(
        { rule: name, error: error instanceof Error ? error.message : String(error) },
        `alert rule "${name}", saved through the API, is refused now; the configuration's rules stand`,
      );
      return undefined;
    }
  }
}
