import { Migration } from '@mikro-orm/migrations';

/**
 * The same changes as the PostgreSQL migration of the same name. SQLite cannot alter a CHECK
 * constraint, so aol_execution_logs is rebuilt (nothing references it).
 */
export class Migration20261130180000_rescue extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table `aol_actions` add column `claim_mode` text check (`claim_mode` in ('PROOF', 'REAL')) null;");
    this.addSql('alter table `aol_actions` add column `rescues` integer not null default 0;');
    this.addSql(`create table \`aol_execution_logs_new\` (
      \`id\` integer not null primary key autoincrement,
      \`action_id\` bigint not null references \`aol_actions\` (\`id\`),
      \`tick_id\` bigint null references \`aol_tick_ledger\` (\`id\`),
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
    this.addSql('create index `aol_execution_logs_action_id_idx` on `aol_execution_logs` (`action_id`, `id`);');
    this.addSql('create index `aol_execution_logs_tick_id_idx` on `aol_execution_logs` (`tick_id`);');
    this.addSql('create unique index `aol_execution_logs_action_attempt_unique` on `aol_execution_logs` (`action_id`, `attempt`);');
  }
}
