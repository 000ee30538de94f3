import { Module } from '@nestjs/common';
import { SocialModule } from '../social/social.module';
import { SocialPostHandler } from '../social/social-post.handler';
import { ACTION_HANDLERS } from '../actions/action-handler';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WebhookDeliveryHandler } from '../webhooks/webhook-delivery.handler';
import { ActionHandlerRegistry } from './action-handler.registry';

/** Where each action type's handler is registered. Add a type: add its handler to the list. */
@Module({
  imports: [SocialModule, WebhooksModule],
  providers: [
    {
      provide: ACTION_HANDLERS,
      useFactory: (socialPost: SocialPostHandler, webhook: WebhookDeliveryHandler) => [socialPost, webhook],
      inject: [SocialPostHandler, WebhookDeliveryHandler],
    },
    ActionHandlerRegistry,
  ],
  exports: [ActionHandlerRegistry],
})
export class ActionHandlersModule {}
