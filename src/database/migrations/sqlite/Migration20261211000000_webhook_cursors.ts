import { Migration } from '@mikro-orm/migrations';

/** The same table as the PostgreSQL migration of the same name. */
export class Migration20261211000000_webhook_cursors extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `aol_webhook_cursors` (' +
        '`instance_id` text not null primary key, ' +
        '`dispatched_through` datetime not null, ' +
        '`updated_at` datetime not null);',
    );
  }
}
