import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { WebhookEntity } from './webhook.entity';
import { SocialModule } from '../social/social.module';
import { WebhookDeliveryHandler } from './webhook-delivery.handler';
import { WebhooksResolver } from './webhooks.resolver';
import { WebhooksService } from './webhooks.service';

/** Webhook subscriptions and the WEBHOOK action handler that delivers to them. */
@Module({
  imports: [MikroOrmModule.forFeature([WebhookEntity]), SocialModule],
  providers: [WebhooksService, WebhookDeliveryHandler, WebhooksResolver],
  exports: [WebhooksService, WebhookDeliveryHandler],
})
export class WebhooksModule {}
