import { Migration } from '@mikro-orm/migrations';

/** The same change as the PostgreSQL migration of the same name. */
export class Migration20261207100000_started_attempts extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `aol_actions` add column `started_at` datetime null;');
    // Whatever runs at the upgrade may have started: kept in doubt, as before.
    this.addSql("update `aol_actions` set `started_at` = `updated_at` where `status` = 'RUNNING';");
  }
}
