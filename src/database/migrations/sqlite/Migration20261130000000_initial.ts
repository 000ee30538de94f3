import { Migration } from '@mikro-orm/migrations';

/**
 * The five tables of AOL on SQLite: the same columns, constraints and indexes as the
 * PostgreSQL migration of the same name. Datetimes are stored as epoch milliseconds, as
 * MikroORM's SQLite platform reads and writes them.
 */
export class Migration20261130000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`aol_actions\` (
      \`id\` integer not null primary key autoincrement,
      \`idempotency_key\` text not null,
      \`type\` text not null,
      \`payload\` json not null,
      \`status\` text check (\`status\` in ('PENDING', 'RUNNING', 'RETRY', 'SUCCESS', 'DLQ', 'CANCELLED', 'NEEDS_REVIEW')) not null,
      \`attempts\` integer not null default 0,
      \`run_after\` datetime not null,
      \`last_error_code\` text null,
      \`last_error\` text null,
      \`claimed_by\` text null,
      \`claim_epoch\` bigint null,
      \`artifact_ref\` text null,
      \`artifact_sha256\` text null,
      \`created_at\` datetime not null,
      \`updated_at\` datetime not null,
      \`finished_at\` datetime null);`);
    this.addSql('create unique index `aol_actions_idempotency_key_unique` on `aol_actions` (`idempotency_key`);');
    this.addSql("create index `aol_actions_due_idx` on `aol_actions` (`run_after`, `id`) where `status` in ('PENDING', 'RETRY');");
    this.addSql("create index `aol_actions_running_idx` on `aol_actions` (`claim_epoch`) where `status` = 'RUNNING';");
    this.addSql('create index `aol_actions_status_created_at_idx` on `aol_actions` (`status`, `created_at`);');

    this.addSql(`create table \`aol_control_flags\` (
      \`id\` integer not null check (\`id\` = 1),
      \`paused\` integer not null default false,
      \`killed\` integer not null default false,
      \`proof_mode\` integer not null default true,
      \`reason\` text null,
      \`updated_by\` text null,
      \`updated_at\` datetime not null,
      primary key (\`id\`));`);
    this
      .addSql(`insert into \`aol_control_flags\` (\`id\`, \`paused\`, \`killed\`, \`proof_mode\`, \`reason\`, \`updated_by\`, \`updated_at\`)
      values (1, false, false, true, 'initial state', 'migration', cast(round(unixepoch('subsec') * 1000) as integer));`);

    this.addSql(`create table \`aol_lease\` (
      \`id\` integer not null primary key autoincrement,
      \`name\` text not null,
      \`owner\` text null,
      \`epoch\` bigint not null default 0,
      \`acquired_at\` datetime null,
      \`renewed_at\` datetime null,
      \`expires_at\` datetime not null);`);
    this.addSql('create unique index `aol_lease_name_unique` on `aol_lease` (`name`);');
    this.addSql("insert into `aol_lease` (`name`, `owner`, `epoch`, `expires_at`) values ('orchestrator', null, 0, 0);");

    this.addSql(`create table \`aol_tick_ledger\` (
      \`id\` integer not null primary key autoincrement,
      \`owner\` text not null,
      \`epoch\` bigint not null,
      \`started_at\` datetime not null,
      \`finished_at\` datetime null,
      \`duration_ms\` integer null,
      \`outcome\` text check (\`outcome\` in ('RUNNING', 'SUCCESS', 'PARTIAL', 'PAUSED', 'KILLED', 'ERROR')) not null,
      \`attempted\` integer not null default 0,
      \`succeeded\` integer not null default 0,
      \`failed\` integer not null default 0,
      \`retried\` integer not null default 0,
      \`dead_lettered\` integer not null default 0,
      \`note\` text null);`);
    this.addSql('create index `aol_tick_ledger_started_at_idx` on `aol_tick_ledger` (`started_at`);');

    this.addSql(`create table \`aol_execution_logs\` (
      \`id\` integer not null primary key autoincrement,
      \`action_id\` bigint not null references \`aol_actions\` (\`id\`),
      \`tick_id\` bigint null references \`aol_tick_ledger\` (\`id\`),
      \`attempt\` integer not null,
      \`mode\` text check (\`mode\` in ('PROOF', 'REAL')) not null,
      \`outcome\` text check (\`outcome\` in ('SUCCESS', 'FAILED', 'TIMED_OUT')) not null,
      \`started_at\` datetime not null,
      \`duration_ms\` integer not null,
      \`artifact_ref\` text null,
      \`artifact_sha256\` text null,
      \`error_code\` text null,
      \`error\` text null);`);
    this.addSql('create index `aol_execution_logs_action_id_idx` on `aol_execution_logs` (`action_id`, `id`);');
    this.addSql('create index `aol_execution_logs_tick_id_idx` on `aol_execution_logs` (`tick_id`);');
  }
}
