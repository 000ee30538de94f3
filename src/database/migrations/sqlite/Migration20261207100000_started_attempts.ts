import { Migration } from '@mikro-orm/migrations';

/** The same change as the PostgreSQL migration of the same name. */
export class Migration20261207100000_started_attempts extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `aol_actions` add column `started_at` datetime null;');
    this.addSql('alter table `aol_actions` add column `deferrals` integer not null default 0;');
    this.addSql("create index `aol_execution_logs_real_started_idx` on `aol_execution_logs` (`started_at`) where `mode` = 'REAL';");
    // Whatever runs at the upgrade may have started: kept in doubt, as before.
    this.addSql("update `aol_actions` set `started_at` = `updated_at` where `status` = 'RUNNING';");
  }
}
