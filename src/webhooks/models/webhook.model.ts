import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { WebhookSubscription } from '../webhooks.service';

/** Shows where a subscription delivers without what may be a credential: a query string, or a Slack URL's path. */
function shownUrl(webhook: WebhookSubscription): string {
  const url = new URL(webhook.url);
  return webhook.format === 'slack' ? `${url.origin}/…` : `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

@ObjectType('Webhook', { description: 'A webhook subscription: where events are delivered, and which. Its secret is never shown here.' })
export class WebhookModel {
  @Field(() => ID, { description: '`env:NAME` for one from AOL_WEBHOOKS, a number for one made through createWebhook.' })
  id: string;

  @Field({ description: 'Where deliveries go; a query string and a Slack URL path are not shown.' })
  url: string;

  @Field(() => [String])
  events: string[];

  @Field({ description: 'standard (signed JSON, Standard Webhooks) or slack ({"text": …}, unsigned).' })
  format: string;

  @Field({ description: 'ENV (AOL_WEBHOOKS) or API (createWebhook).' })
  source: string;

  @Field(() => String, { nullable: true })
  createdBy: string | null;

  @Field(() => Date, { nullable: true })
  createdAt: Date | null;

  static from(webhook: WebhookSubscription): WebhookModel {
    return Object.assign(new WebhookModel(), {
      id: webhook.id,
      url: shownUrl(webhook),
      events: webhook.events,
      format: webhook.format,
      source: webhook.source,
      createdBy: webhook.createdBy,
      createdAt: webhook.createdAt,
    });
  }
}

@ObjectType('CreatedWebhook')
export class CreatedWebhookModel {
  @Field(() => WebhookModel)
  webhook: WebhookModel;

  @Field(() => String, {
    nullable: true,
    description: 'The signing secret (whsec_…), shown this once and never again; null for the slack format.',
  })
  secret: string | null;
}
