import { onScopeDispose, type Ref, watch } from 'vue';
import { apiKey } from '../api/client';
import { type ErrorListener, type Listener, LiveSocket } from './socket';

const socketUrl = (): string => {
  const url = new URL('/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  // Browsers cannot set headers on a WebSocket: the key goes in the query (docs/api.md).
  if (apiKey.value !== '') url.searchParams.set('apiKey', apiKey.value);
  return url.toString();
};

/** The page's one live connection. */
export const live = new LiveSocket({ url: socketUrl });

/**
 * Listens to a channel for as long as the calling component (or effect scope) lives. A
 * ref of a channel name follows it: the old channel is left when the name changes, and
 * `null` listens to nothing.
 */
export const useChannel = (
  channel: string | Ref<string | null>,
  listener: Listener,
  onError?: ErrorListener,
): void => {
  if (typeof channel === 'string') {
    onScopeDispose(live.subscribe(channel, listener, onError));
    return;
  }
  let leave: (() => void) | undefined;
  watch(
    channel,
    (name) => {
      leave?.();
      leave = name === null ? undefined : live.subscribe(name, listener, onError);
    },
    { immediate: true },
  );
  onScopeDispose(() => leave?.());
};

/** Runs `handler` after each reconnection while the calling component lives. */
export const useReconnect = (handler: () => void): void => {
  onScopeDispose(live.onReconnect(handler));
};

// For tests and the console: the page's live connection (`__tributaryLive.channels`).
(window as unknown as { __tributaryLive: LiveSocket }).__tributaryLive = live;
