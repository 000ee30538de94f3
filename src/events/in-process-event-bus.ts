import { EventEmitter } from 'node:events';
import { Injectable, Logger } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';
import type { EventBus } from './event-bus';

/** Delivers events to subscribers in this process only: right for a single instance. */
@Injectable()
export class InProcessEventBus implements EventBus {
  private readonly logger = new Logger(InProcessEventBus.name);
  // One listener per subscribed client: no cap, or the 11th dashboard would trigger a leak warning.
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly pubSub = new PubSub({ eventEmitter: this.emitter });

  async publish(topic: string, payload: object): Promise<void> {
    await this.pubSub.publish(topic, payload);
  }

  subscribe<T>(topic: string): AsyncIterableIterator<T> {
    return this.pubSub.asyncIterableIterator<T>(topic);
  }

  /** On the emitter PubSub publishes with: called within publish, in subscription order. */
  listen<T>(topic: string, listener: (payload: T) => void): () => void {
    const deliver = (payload: T): void => {
      try {
        listener(payload);
      } catch (error) {
        this.logger.error({ msg: `A listener of ${topic} failed: ${(error as Error).message}`, topic });
      }
    };
    this.emitter.on(topic, deliver);
    return () => void this.emitter.off(topic, deliver);
  }
}
