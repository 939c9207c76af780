/**
 * Channels of live updates (`stats`, `series:<name>`, `pipeline:<name>`): the runtime
 * publishes, WebSocket subscriptions listen. A listener that throws is dropped from the
 * channel rather than breaking the publisher.
 */
export class LiveUpdates {
  private readonly channels = new Map<string, Set<(update: unknown) => void>>();

  subscribe(channel: string, listener: (update: unknown) => void): () => void {
    let listeners = this.channels.get(channel);
    if (!listeners) this.channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.channels.delete(channel);
    };
  }

  /** Whether anyone listens: lets publishers skip building updates nobody reads. */
  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  publish(channel: string, update: unknown): void {
    const listeners = this.channels.get(channel);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener(update);
      } catch {
        listeners.delete(listener);
      }
    }
  }
}
