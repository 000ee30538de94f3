import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { CreatedWebhookModel, WebhookModel } from './models/webhook.model';
import { WebhooksService } from './webhooks.service';

@Resolver(() => WebhookModel)
export class WebhooksResolver {
  constructor(private readonly subscriptions: WebhooksService) {}

  @Query(() => [WebhookModel], { description: 'Every webhook subscription, those of AOL_WEBHOOKS first.' })
  async webhooks(): Promise<WebhookModel[]> {
    return (await this.subscriptions.list()).map((webhook) => WebhookModel.from(webhook));
  }

  @Mutation(() => CreatedWebhookModel, {
    description:
      'Subscribes a URL to events (action.succeeded, action.dead_lettered, action.needs_review, action.awaiting_approval, ' +
      'control.changed, leader.changed). Without a secret one is made; it is returned this once.',
  })
  async createWebhook(
    @Args('url') url: string,
    @Args('events', { type: () => [String] }) events: string[],
    @Args('format', { defaultValue: 'standard', description: 'standard or slack' }) format: string,
    @Args('secret', { type: () => String, nullable: true, description: 'whsec_ + base64; default: a new random one' })
    secret: string | null,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedWebhookModel> {
    const created = await this.subscriptions.create({ url, events, format, secret, actor: principal.actor });
    return { webhook: WebhookModel.from(created), secret: created.secret };
  }

  @Mutation(() => Boolean, { description: 'Removes a subscription made with createWebhook; deliveries still queued for it fail.' })
  async deleteWebhook(@Args('id', { type: () => ID }) id: string): Promise<boolean> {
    await this.subscriptions.delete(id);
    return true;
  }
}
