import { Migration } from '@mikro-orm/migrations';

/** The same table as the PostgreSQL migration of the same name. */
export class Migration20261208100000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `aol_webhooks` (' +
        '`id` integer not null primary key autoincrement, ' +
        '`url` text not null, ' +
        '`events` text not null, ' +
        "`format` text check (`format` in ('standard', 'slack')) not null, " +
        '`secret` text null, ' +
        '`created_by` text not null, ' +
        '`created_at` datetime not null);',
    );
  }
}
