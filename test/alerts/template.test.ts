import { describe, expect, it } from 'vitest';
import { fingerprint, parseMatcher, Template } from '../../src/alerts/index.js';
import { htmlEscape } from '../../src/alerts/notify/template.js';

const render = (source: string, data: unknown) => Template.compile(source).render(data);

describe('templates', () => {
  const data = {
    status: 'firing',
    labels: { alertname: 'cpu-high', key: 'web-1' },
    value: 96.4321,
    alerts: [
      { labels: { key: 'web-1' }, value: 1 },
      { labels: { key: 'web-2' }, value: 2 },
    ],
    resolved: [],
    at: Date.UTC(2025, 0, 1),
  };

  it('substitute fields by path; a missing one is empty', () => {
    expect(render('{{ labels.alertname }} on {{labels.key}}{{ labels.nope }}!', data)).toBe(
      'cpu-high on web-1!',
    );
  });

  it('apply filters', () => {
    expect(
      render(
        '{{ status | upper }} {{ value | round 1 }} {{ alerts | length }} {{ missing | default "n/a" }}',
        data,
      ),
    ).toBe('FIRING 96.4 2 n/a');
    expect(render('{{ at | time }} {{ labels | json }} {{ "  x " | trim }}', data)).toBe(
      '2025-01-01T00:00:00.000Z {"alertname":"cpu-high","key":"web-1"} x',
    );
    expect(render('{{ labels.alertname | truncate 4 }}', data)).toBe('cpu…');
  });

  it('loop with #each, with the item’s fields, `.` and @index in scope, and outer fields still visible', () => {
    expect(
      render('{{#each alerts}}{{ @index }}:{{ labels.key }}={{ value }} ({{ status }}); {{/each}}', data),
    ).toBe('0:web-1=1 (firing); 1:web-2=2 (firing); ');
    expect(render('{{#each names}}[{{ . }}]{{/each}}', { names: ['a', 'b'] })).toBe('[a][b]');
  });

  it('branch with #if / #unless / else; empty lists are false', () => {
    expect(render('{{#if resolved}}some{{else}}none{{/if}} {{#unless resolved}}ok{{/unless}}', data)).toBe(
      'none ok',
    );
  });

  it('read only the data’s own fields: no prototype, no functions', () => {
    expect(
      render('{{ constructor }}{{ labels.__proto__ }}{{ fn }}{{ labels.toString }}', {
        labels: {},
        fn: () => 'x',
      }),
    ).toBe('');
  });

  it('escape substituted values only', () => {
    expect(Template.compile('<b>{{ v }}</b>').render({ v: '<script>' }, { escape: htmlEscape })).toBe(
      '<b>&#60;script&#62;</b>',
    );
  });

  it.each([
    ['{{#each alerts}}x', /line 1: \{\{#each\}\} is not closed; add \{\{\/each\}\}/],
    ['a\n{{#if x}}{{/each}}', /line 2: \{\{\/each\}\} closes \{\{#if\}\}/],
    ['{{ value | bogus }}', /unknown filter "bogus"/],
    ['{{ a b }}', /is not a field path/],
    ['{{ x', /is not closed by "}}"/],
    ['{{else}}', /outside of an \{\{#if\}\}/],
    ['{{#with x}}{{/with}}', /unknown block \{\{#with\}\}/],
  ])('refuse %j, naming the line', (source, message) => {
    expect(() => Template.compile(source, 'receivers[0].slack_configs[0].text')).toThrow(message);
    expect(() => Template.compile(source, 'receivers[0].slack_configs[0].text')).toThrow(
      /slack_configs\[0\]\.text/,
    );
  });
});

describe('labels and matchers', () => {
  it('fingerprints are stable and independent of label order', () => {
    const a = fingerprint({ alertname: 'x', key: 'k', severity: 'warning' });
    expect(fingerprint({ severity: 'warning', key: 'k', alertname: 'x' })).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint({ alertname: 'x', key: 'k', severity: 'error' })).not.toBe(a);
    expect(fingerprint({ a: 'b\u0000c' })).not.toBe(fingerprint({ a: 'b', c: '' }));
  });

  it('parse the four match types, quoted or not', () => {
    expect(parseMatcher('severity="critical"')).toEqual({ name: 'severity', type: '=', value: 'critical' });
    expect(parseMatcher('env != prod')).toEqual({ name: 'env', type: '!=', value: 'prod' });
    expect(parseMatcher('key=~"10\\\\..*"')).toEqual({ name: 'key', type: '=~', value: '10\\..*' });
    expect(parseMatcher('key!~db-.*')).toEqual({ name: 'key', type: '!~', value: 'db-.*' });
    expect(() => parseMatcher('=x', 'silence.matchers[0]')).toThrow(
      /silence.matchers\[0\]: "=x" is not a matcher/,
    );
  });
});
