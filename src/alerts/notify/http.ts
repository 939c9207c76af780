import { PermanentFailure, safeUrl } from './notifier.js';

const MAX_BODY = 64 * 1024;

/**
 * POSTs JSON and returns the response text. A 4xx answer (but 408 and 429) is permanent:
 * the receiver refuses this request and would refuse it again.
 */
export const postJson = async (
  url: string,
  body: unknown,
  signal: AbortSignal,
  headers: Readonly<Record<string, string>> = {},
): Promise<string> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Tributary-Alerting/1', ...headers },
    body: JSON.stringify(body),
    signal,
    redirect: 'error',
  });
  const text = (await response.text()).slice(0, MAX_BODY);
  if (response.ok) return text;
  const message = `${safeUrl(url)} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    throw new PermanentFailure(message);
  }
  throw new Error(message);
};
