import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  AlertEngine,
  type AlertingDocument,
  AlertingSchema,
  type ExpressionCompiler,
  patternPipeline,
  resolveAlerting,
} from '../../src/alerts/index.js';
import { compileExpression } from '../../src/config/expressions.js';
import { checkSchema } from '../../src/config/validate.js';

// The YAML in docs/alerting.md is what users copy: every `alerts:` example must validate
// against the schema the configuration uses, compile, and (pattern rules) build a pipeline.
const doc = readFileSync(new URL('../../docs/alerting.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```yaml\n(alerts:[\s\S]*?)```/g)].map((m) => m[1]);

const ENV: Record<string, string> = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T/B/X',
  DINGTALK_TOKEN: 'token',
};
const substitute = (text: string) => text.replace(/\$\{(\w+)\}/g, (_, name: string) => ENV[name] ?? 'secret');
const cel: ExpressionCompiler = (text, use, field) => compileExpression(text, { use, label: field }).evaluate;

describe('docs/alerting.md', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(examples.map((e, i) => [i, e]))('example %i validates, compiles and opens', async (_i, text) => {
    const section = (parse(substitute(text as string)) as { alerts: AlertingDocument }).alerts;
    expect(checkSchema(AlertingSchema, section)).toEqual([]);
    resolveAlerting(section);
    for (const rule of section.rules ?? []) if (rule.type === 'pattern') patternPipeline(rule, cel);
    const engine = await AlertEngine.open({ config: section });
    await engine.close();
  });
});
