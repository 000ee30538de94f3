import { Migration } from '@mikro-orm/migrations';

/**
 * How far each instance has turned changes into webhook deliveries: every change committed
 * before `dispatched_through` whose event this instance heard has its WEBHOOK actions enqueued.
 * An instance that starts enqueues again the events of the changes made after the lowest of
 * them (webhook-dispatch/webhook-dispatcher.ts), so a process that died between a change's
 * commit and its deliveries' enqueue loses none. `updated_at` is the instance's own last write.
 */
export class Migration20261211000000_webhook_cursors extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "aol_webhook_cursors" (
      "instance_id" varchar(200) primary key,
      "dispatched_through" timestamptz not null,
      "updated_at" timestamptz not null
    );`);
  }
}
