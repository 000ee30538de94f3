import { Migration } from '@mikro-orm/migrations';

/** The same changes as the PostgreSQL migration of the same name. */
export class Migration20261130120000_operator_api extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `aol_actions` add column `priority` integer not null default 0;');
    this.addSql('alter table `aol_actions` add column `attempt_floor` integer not null default 0;');
    this.addSql('alter table `aol_actions` add column `remote_id` text null;');
    this.addSql('alter table `aol_actions` add column `remote_url` text null;');
    this.addSql('drop index `aol_actions_due_idx`;');
    this.addSql(
      "create index `aol_actions_due_idx` on `aol_actions` (`priority` desc, `run_after`, `id`) where `status` in ('PENDING', 'RETRY');",
    );
    this.addSql('drop index `aol_actions_status_created_at_idx`;');
    this.addSql('create index `aol_actions_status_id_idx` on `aol_actions` (`status`, `id`);');

    this.addSql(`create table \`aol_control_events\` (
      \`id\` integer not null primary key autoincrement,
      \`kind\` text check (\`kind\` in ('PAUSE', 'RESUME', 'KILL', 'REVIVE', 'SET_PROOF_MODE', 'CANCEL_ACTION', 'RETRY_ACTION')) not null,
      \`actor\` text not null,
      \`reason\` text not null,
      \`action_id\` bigint null references \`aol_actions\` (\`id\`),
      \`details\` json null,
      \`created_at\` datetime not null);`);
  }
}
