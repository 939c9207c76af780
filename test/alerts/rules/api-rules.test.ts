import { describe, expect, it } from 'vitest';
import type { RuleDocument } from '../../../src/alerts/index.js';
import { ApiRules } from '../../../src/alerts/rules/api-rules.js';
import { compileRule } from '../../../src/alerts/rules/rule.js';

const threshold = (name: string, bound: number): RuleDocument => ({
  name,
  type: 'threshold',
  series: 'host',
  field: 'cpu',
  threshold: bound,
});

describe("the API's rules over the configuration's", () => {
  it('replace, add and remove rules, and leave a configured rule whose saved change this version refuses', () => {
    const warnings: string[] = [];
    const rules = new ApiRules({
      info() {},
      warn: (_details, message) => warnings.push(message),
      error() {},
    });
    rules.note('cpu', threshold('cpu', 95));
    rules.note('disk', threshold('disk', 90));
    rules.note('mem', null);
    rules.note('net', { ...threshold('net', 1), threshold: 'high' } as unknown as RuleDocument);
    const configured = ['cpu', 'mem', 'net'].map((name) => compileRule(threshold(name, 80)));
    const laid = rules.over(configured);
    expect(laid.map((r) => [r.name, (r.document as { threshold: number }).threshold])).toEqual([
      ['cpu', 95],
      ['net', 80],
      ['disk', 90],
    ]);
    expect(warnings).toEqual([
      `alert rule "net", saved through the API, is refused now; the configuration's rules stand`,
    ]);
  });
});
