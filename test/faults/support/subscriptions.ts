import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { AolInstance } from './instance';

/**
 * A graphql-ws subscription to one process, collecting every event it delivers, to check
 * that a follower's subscribers see the leader's events.
 */
export class EventWatch<T> {
  readonly events: T[] = [];
  readonly errors: unknown[] = [];
  private readonly client: Client;
  private dispose: (() => void) | null = null;
  private connected = false;

  constructor(
    readonly instance: AolInstance,
    query: string,
  ) {
    this.client = createClient({
      url: instance.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: (error) => this.errors.push(error),
      on: { connected: () => (this.connected = true) },
    });
    this.dispose = this.client.subscribe<T>(
      { query },
      {
        next: (result) => (result.errors ? this.errors.push(result.errors) : this.events.push(result.data as T)),
        error: (error) => this.errors.push(error),
        complete: () => undefined,
      },
    );
  }

  /** Resolves once the socket is up and the subscribe message has had time to register. */
  async ready(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connected) {
      if (this.errors.length > 0 || Date.now() > deadline)
        throw new Error(`subscription to ${this.instance.id} did not connect: ${JSON.stringify(this.errors)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  async close(): Promise<void> {
    this.dispose?.();
    this.dispose = null;
    await this.client.dispose();
  }
}
