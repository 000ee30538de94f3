import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook subscriptions made through the API (those of AOL_WEBHOOKS live in configuration).
 * events is a JSON array of event names; secret is the signing secret (whsec_…), null for
 * the unsigned slack format, and never leaves the service once created.
 */
export class Migration20261208100000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "aol_webhooks" (
      "id" bigserial primary key,
      "url" text not null,
      "events" text not null,
      "format" text check ("format" in ('standard', 'slack')) not null,
      "secret" text null,
      "created_by" text not null,
      "created_at" timestamptz not null
    );`);
  }
}
