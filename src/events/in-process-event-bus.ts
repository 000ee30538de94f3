import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';
import type { EventBus } from './event-bus';

/** Delivers events to subscribers in this process only: right for a single instance. */
@Injectable()
export class InProcessEventBus implements EventBus {
  // One listener per subscribed client: no cap, or the 11th dashboard would trigger a leak warning.
  private readonly pubSub = new PubSub({ eventEmitter: new EventEmitter().setMaxListeners(0) });

  async publish(topic: string, payload: object): Promise<void> {
    await this.pubSub.publish(topic, payload);
  }

  subscribe<T>(topic: string): AsyncIterableIterator<T> {
    return this.pubSub.asyncIterableIterator<T>(topic);
  }
}
