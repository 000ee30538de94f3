import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WebhookDispatcher } from './webhook-dispatcher';

/** Enqueues a WEBHOOK action for each event a subscription asked for. */
@Module({
  imports: [QueueModule, WebhooksModule],
  providers: [WebhookDispatcher],
})
export class WebhookDispatchModule {}
