import type { Labels, Matcher } from '../../contract/index.js';
import { toMillis } from '../../engine/time/duration.js';
import { TributaryError } from '../../errors.js';
import { matchesAll, toMatcher } from '../labels.js';
import type { RouteDocument } from '../schema.js';

/** A node of the routing tree, with its settings inherited from its parents. */
export interface Route {
  /** Position in the tree (`root`, `root.0`, `root.0.1`): part of group keys. */
  readonly id: string;
  readonly receiver: string;
  /** Label names that make a group, or `all` (`['...']`): one group per label set. */
  readonly groupBy: readonly string[] | 'all';
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly routes: readonly Route[];
}

/** Alertmanager's defaults. */
export const ROUTE_DEFAULTS = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 };

/** Checks a route tree against the receivers that exist. */
export const toRoute = (
  doc: RouteDocument,
  receivers: ReadonlySet<string>,
  field = 'route',
  parent?: Route,
  id = 'root',
): Route => {
  const receiver = doc.receiver ?? parent?.receiver;
  if (receiver === undefined) throw invalid(`${field}.receiver: the top route needs a receiver`);
  if (!receivers.has(receiver)) {
    throw invalid(
      `${field}.receiver: no receiver is named ${JSON.stringify(receiver)}; declared: ${[...receivers].join(', ') || '(none)'}`,
    );
  }
  const groupBy =
    doc.group_by === undefined
      ? (parent?.groupBy ?? ['alertname'])
      : doc.group_by.includes('...')
        ? 'all'
        : [...doc.group_by];
  const time = (value: string | number | undefined, name: string, inherited: number) => {
    if (value === undefined) return inherited;
    const ms = toMillis(value, `${field}.${name}`);
    if (name !== 'group_wait' && ms <= 0) throw invalid(`${field}.${name}: must be above 0`);
    return ms;
  };
  const base = parent ?? { ...ROUTE_DEFAULTS };
  const route: Route & { routes: Route[] } = {
    id,
    receiver,
    groupBy,
    groupWaitMs: time(doc.group_wait, 'group_wait', base.groupWaitMs),
    groupIntervalMs: time(doc.group_interval, 'group_interval', base.groupIntervalMs),
    repeatIntervalMs: time(doc.repeat_interval, 'repeat_interval', base.repeatIntervalMs),
    matchers: (doc.matchers ?? []).map((m, i) => toMatcher(m, `${field}.matchers[${i}]`)),
    continue: doc.continue ?? false,
    routes: [],
  };
  if (!parent && route.matchers.length > 0)
    throw invalid(`${field}.matchers: the top route takes every alert; put matchers on its routes`);
  (doc.routes ?? []).forEach((child, i) => {
    route.routes.push(
      toRoute(child as RouteDocument, receivers, `${field}.routes[${i}]`, route, `${id}.${i}`),
    );
  });
  return route;
};

/**
 * The routes an alert goes to, as Alertmanager picks them: the deepest matching routes;
 * siblings after a match are tried only when the matching route has `continue`.
 */
export const matchRoutes = (route: Route, labels: Labels): Route[] => {
  if (!matchesAll(route.matchers, labels)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const matched = matchRoutes(child, labels);
    all.push(...matched);
    if (matched.length > 0 && !child.continue) break;
  }
  if (all.length === 0) all.push(route);
  return all;
};

/** The labels that make an alert's group on `route`. */
export const groupLabelsOf = (route: Route, labels: Labels): Labels => {
  if (route.groupBy === 'all') return labels;
  const out: Record<string, string> = {};
  for (const name of route.groupBy) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
};

export const groupKeyOf = (route: Route, groupLabels: Labels): string =>
  `${route.id}:${JSON.stringify(
    Object.keys(groupLabels)
      .sort()
      .map((k) => [k, groupLabels[k]]),
  )}`;

const invalid = (message: string) => new TributaryError('TRB_ALERT_INVALID', message);
