import { Migration } from '@mikro-orm/migrations';

/**
 * The same indexes and constraints as the PostgreSQL migration of the same name. SQLite drops
 * a foreign key only by rebuilding the table (nothing references aol_execution_logs).
 */
export class Migration20261130230000_lean_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop index `aol_actions_running_idx`;');
    this.addSql('drop index `aol_actions_status_id_idx`;');
    this.addSql("create index `aol_actions_status_id_idx` on `aol_actions` (`status`, `id`) where `status` <> 'SUCCESS';");
    this.addSql(`create table \`aol_execution_logs_new\` (
      \`id\` integer not null primary key autoincrement,
      \`action_id\` bigint not null,
      \`tick_id\` bigint null,
      \`attempt\` integer not null,
      \`mode\` text check (\`mode\` in ('PROOF', 'REAL')) not null,
      \`outcome\` text check (\`outcome\` in ('SUCCESS', 'FAILED', 'TIMED_OUT', 'ABANDONED')) not null,
      \`started_at\` datetime not null,
      \`duration_ms\` integer not null,
      \`artifact_ref\` text null,
      \`artifact_sha256\` text null,
      \`error_code\` text null,
      \`error\` text null);`);
    this.addSql('insert into `aol_execution_logs_new` select * from `aol_execution_logs`;');
    this.addSql('drop table `aol_execution_logs`;');
    this.addSql('alter table `aol_execution_logs_new` rename to `aol_execution_logs`;');
    this.addSql('create unique index `aol_execution_logs_action_attempt_unique` on `aol_execution_logs` (`action_id`, `attempt`);');
  }
}
