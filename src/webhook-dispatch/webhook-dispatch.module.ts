import { DynamicModule, Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { QueueModule } from '../queue/queue.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { KEEPS_WEBHOOK_CURSOR, WebhookDispatcher } from './webhook-dispatcher';

/** Enqueues a WEBHOOK action for each event a subscription asked for, and again for those a process did not live to enqueue. */
@Module({})
export class WebhookDispatchModule {
  /** `keepsCursor`: a long-running process (the service) keeps a webhook cursor and catches up at start; a CLI command does neither. */
  static forRoot(keepsCursor: boolean): DynamicModule {
    return {
      module: WebhookDispatchModule,
      imports: [QueueModule, WebhooksModule, ControlModule],
      providers: [WebhookDispatcher, { provide: KEEPS_WEBHOOK_CURSOR, useValue: keepsCursor }],
    };
  }
}
