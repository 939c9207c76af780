import { shallowRef } from 'vue';
import type {
  Aggregation,
  AlertState,
  AlertTransition,
  AlertView,
  ErrorBody,
  PipelineStatus,
  PlatformStats,
  RecordsResult,
  SeriesInfo,
  SeriesResult,
  Silence,
  StatsHistory,
} from '../../../src/contract/index.js';

const KEY_STORAGE = 'tributary.apiKey';

/** The API key the user gave (only needed when the server is bound beyond loopback). */
export const apiKey = shallowRef<string>(localStorage.getItem(KEY_STORAGE) ?? '');
/** Set when the server answered 401/403: the shell then asks for a key. */
export const keyRequired = shallowRef(false);

export const setApiKey = (key: string): void => {
  apiKey.value = key.trim();
  if (apiKey.value === '') localStorage.removeItem(KEY_STORAGE);
  else localStorage.setItem(KEY_STORAGE, apiKey.value);
  keyRequired.value = false;
};

/** A failed request: `status` 0 when the server could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get unreachable(): boolean {
    return this.status === 0;
  }
}

const request = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (apiKey.value !== '') headers.set('authorization', `Bearer ${apiKey.value}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (cause) {
    throw new ApiError(0, 'UNREACHABLE', `the server could not be reached (${String(cause)})`);
  }
  if (response.status === 401 || response.status === 403) keyRequired.value = true;
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as ErrorBody | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `${response.status} ${response.statusText}`,
    );
  }
  return body as T;
};

const enc = encodeURIComponent;

export interface SeriesParams {
  readonly from: number | string;
  readonly to?: number | string;
  readonly step?: number;
  readonly agg?: Aggregation;
  readonly keys?: readonly string[];
  readonly fields?: readonly string[];
  readonly limit?: number;
}

const seriesQuery = (params: SeriesParams): string => {
  const query = new URLSearchParams({ from: String(params.from) });
  if (params.to !== undefined) query.set('to', String(params.to));
  if (params.step !== undefined) query.set('step', String(params.step));
  if (params.agg !== undefined && params.step !== undefined) query.set('agg', params.agg);
  for (const key of params.keys ?? []) query.append('key', key);
  if (params.fields && params.fields.length > 0) query.set('fields', params.fields.join(','));
  if (params.limit !== undefined) query.set('limit', String(params.limit));
  return query.toString();
};

/** The REST API of docs/api.md: initial loads, lists and history; live data comes over /ws. */
export const api = {
  stats: () => request<PlatformStats>('/api/v1/stats'),
  statsHistory: () => request<StatsHistory>('/api/v1/stats/history'),
  pipelines: async () => (await request<{ pipelines: PipelineStatus[] }>('/api/v1/pipelines')).pipelines,
  pipeline: (name: string) => request<PipelineStatus>(`/api/v1/pipelines/${enc(name)}`),
  deadLetters: (name: string, limit = 100) =>
    request<RecordsResult>(`/api/v1/pipelines/${enc(name)}/dead-letters?limit=${limit}`),
  lateEvents: (name: string, limit = 100) =>
    request<RecordsResult>(`/api/v1/pipelines/${enc(name)}/late-events?limit=${limit}`),
  streams: async () => (await request<{ streams: string[] }>('/api/v1/streams')).streams,
  seriesList: async () => (await request<{ series: SeriesInfo[] }>('/api/v1/series')).series,
  series: (name: string, params: SeriesParams) =>
    request<SeriesResult>(`/api/v1/series/${enc(name)}?${seriesQuery(params)}`),
  /** Alerts in the given states (all of them when none are given), newest first. */
  alerts: async (states: readonly AlertState[] = []) => {
    const query = states.length > 0 ? `?state=${states.join(',')}` : '';
    return (await request<{ alerts: AlertView[] }>(`/api/v1/alerts${query}`)).alerts;
  },
  /** State transitions of alerts, newest first. */
  alertHistory: async (limit = 50) =>
    (await request<{ transitions: AlertTransition[] }>(`/api/v1/alerts/history?limit=${limit}`)).transitions,
  /** Silences one alert for a duration ("15m", "1h"…); needs the `admin` scope. */
  silenceAlert: async (fingerprint: string, duration: string, comment = 'silenced from the dashboard') =>
    (
      await request<{ silence: Silence }>(`/api/v1/alerts/${enc(fingerprint)}/silence`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ duration, comment }),
      })
    ).silence,
};
