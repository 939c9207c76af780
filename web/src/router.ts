import { type Component, defineAsyncComponent, shallowRef } from 'vue';
import AlertsView from './views/AlertsView.vue';
import NotFoundView from './views/NotFoundView.vue';
import OverviewView from './views/OverviewView.vue';
import PipelineDetailView from './views/PipelineDetailView.vue';
import PipelinesView from './views/PipelinesView.vue';

/** The series explorer is the least visited view: loaded on first use. */
const SeriesExplorerView = defineAsyncComponent(() => import('./views/SeriesExplorerView.vue'));

export interface RouteDef {
  readonly name: string;
  readonly title: string;
  readonly pattern: RegExp;
  readonly keys: readonly string[];
  readonly component: Component;
}

export interface CurrentRoute {
  readonly name: string;
  readonly title: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly component: Component;
}

const route = (name: string, title: string, path: string, component: Component): RouteDef => {
  const keys: string[] = [];
  const source = path.replace(/:(\w+)/g, (_match, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { name, title, pattern: new RegExp(`^${source}/?$`), keys, component };
};

/** The dashboard's pages. The server answers every one of these paths with index.html. */
export const ROUTES: readonly RouteDef[] = [
  route('overview', 'Overview', '/', OverviewView),
  route('pipelines', 'Pipelines', '/pipelines', PipelinesView),
  route('pipeline', 'Pipeline', '/pipelines/:name', PipelineDetailView),
  route('series', 'Series explorer', '/series', SeriesExplorerView),
  route('alerts', 'Alerts', '/alerts', AlertsView),
];

const resolve = (url: URL): CurrentRoute => {
  for (const def of ROUTES) {
    const match = def.pattern.exec(url.pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    def.keys.forEach((key, i) => {
      params[key] = decodeURIComponent(match[i + 1]);
    });
    return { ...def, path: url.pathname, params, query: url.searchParams };
  }
  return {
    name: 'not-found',
    title: 'Not found',
    path: url.pathname,
    params: {},
    query: url.searchParams,
    component: NotFoundView,
  };
};

/** The current page: a tiny history-API router (four pages need no more). */
export const currentRoute = shallowRef<CurrentRoute>(resolve(new URL(window.location.href)));

window.addEventListener('popstate', () => {
  currentRoute.value = resolve(new URL(window.location.href));
});

/** Goes to a path within the dashboard. */
export const navigate = (to: string, options: { replace?: boolean } = {}): void => {
  const url = new URL(to, window.location.href);
  if (url.href === window.location.href) return;
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  const next = resolve(url);
  // A query-only change on the same page keeps the page (and its charts) mounted.
  currentRoute.value = next;
  if (!options.replace) window.scrollTo(0, 0);
};

/** Rewrites the query of the current page without adding a history entry. */
export const replaceQuery = (query: URLSearchParams): void => {
  const url = new URL(window.location.href);
  url.search = query.toString();
  if (url.href === window.location.href) return;
  history.replaceState(null, '', url);
};

export const pipelinePath = (name: string): string => `/pipelines/${encodeURIComponent(name)}`;
