import { Migration } from '@mikro-orm/migrations';
import { ACTION_STATUSES_WITH_APPROVALS, CONTROL_EVENT_KINDS_WITH_APPROVALS } from '../approval-constants';

const COUNT_TRIGGERS = [
  `create trigger \`aol_actions_count_insert\` after insert on \`aol_actions\` begin
      insert into aol_queue_counts (status, shard, n) values (new.status, 0, 1) on conflict (status, shard) do update set n = n + 1;
    end;`,
  `create trigger \`aol_actions_count_update\` after update of status on \`aol_actions\` when old.status <> new.status begin
      insert into aol_queue_counts (status, shard, n) values (old.status, 0, -1) on conflict (status, shard) do update set n = n - 1;
      insert into aol_queue_counts (status, shard, n) values (new.status, 0, 1) on conflict (status, shard) do update set n = n + 1;
    end;`,
  `create trigger \`aol_actions_count_delete\` after delete on \`aol_actions\` begin
      insert into aol_queue_counts (status, shard, n) values (old.status, 0, -1) on conflict (status, shard) do update set n = n - 1;
    end;`,
];

/**
 * The same changes as the PostgreSQL migration of the same name. SQLite cannot alter a CHECK
 * constraint, so aol_actions and aol_control_events are rebuilt, with their indexes and the
 * count triggers. aol_control_events refers to aol_actions, so aol_actions is copied aside,
 * dropped and created again under its own name (renaming a table would carry the references
 * to the new name along): the check of those references waits for the commit
 * (defer_foreign_keys lasts until then), and putting the rows back settles it. The count
 * triggers come last, so neither the drop nor the copy changes the counts.
 */
export class Migration20261207000000_approvals extends Migration {
  override async up(): Promise<void> {
    this.addSql('pragma defer_foreign_keys = on;');
    this.addSql('create table `aol_actions_copy` as select * from `aol_actions`;');
    this.addSql('drop table `aol_actions`;');
    this.addSql(`create table \`aol_actions\` (
      \`id\` integer not null primary key autoincrement,
      \`idempotency_key\` text not null,
      \`type\` text not null,
      \`payload\` json not null,
      \`status\` text check (\`status\` in (${ACTION_STATUSES_WITH_APPROVALS})) not null,
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
      \`finished_at\` datetime null,
      \`priority\` integer not null default 0,
      \`attempt_floor\` integer not null default 0,
      \`remote_id\` text null,
      \`remote_url\` text null,
      \`claim_mode\` text check (\`claim_mode\` in ('PROOF', 'REAL')) null,
      \`rescues\` integer not null default 0,
      \`enqueued_by\` text null,
      \`approved_by\` text null,
      \`approved_at\` datetime null,
      \`approval_reason\` text null,
      \`approved_payload_sha256\` text null);`);
    this.addSql(`insert into \`aol_actions\` (\`id\`, \`idempotency_key\`, \`type\`, \`payload\`, \`status\`, \`attempts\`, \`run_after\`,
      \`last_error_code\`, \`last_error\`, \`claimed_by\`, \`claim_epoch\`, \`artifact_ref\`, \`artifact_sha256\`, \`created_at\`, \`updated_at\`,
      \`finished_at\`, \`priority\`, \`attempt_floor\`, \`remote_id\`, \`remote_url\`, \`claim_mode\`, \`rescues\`)
      select \`id\`, \`idempotency_key\`, \`type\`, \`payload\`, \`status\`, \`attempts\`, \`run_after\`,
      \`last_error_code\`, \`last_error\`, \`claimed_by\`, \`claim_epoch\`, \`artifact_ref\`, \`artifact_sha256\`, \`created_at\`, \`updated_at\`,
      \`finished_at\`, \`priority\`, \`attempt_floor\`, \`remote_id\`, \`remote_url\`, \`claim_mode\`, \`rescues\` from \`aol_actions_copy\`;`);
    this.addSql('drop table `aol_actions_copy`;');
    this.addSql('create unique index `aol_actions_idempotency_key_unique` on `aol_actions` (`idempotency_key`);');
    this.addSql(
      "create index `aol_actions_due_idx` on `aol_actions` (`priority` desc, `run_after`, `id`) where `status` in ('PENDING', 'RETRY');",
    );
    this.addSql("create index `aol_actions_status_id_idx` on `aol_actions` (`status`, `id`) where `status` <> 'SUCCESS';");
    for (const trigger of COUNT_TRIGGERS) this.addSql(trigger);

    this.addSql(`create table \`aol_control_events_new\` (
      \`id\` integer not null primary key autoincrement,
      \`kind\` text check (\`kind\` in (${CONTROL_EVENT_KINDS_WITH_APPROVALS})) not null,
      \`actor\` text not null,
      \`reason\` text not null,
      \`action_id\` bigint null references \`aol_actions\` (\`id\`),
      \`details\` json null,
      \`created_at\` datetime not null);`);
    this.addSql('insert into `aol_control_events_new` select * from `aol_control_events`;');
    this.addSql('drop table `aol_control_events`;');
    this.addSql('alter table `aol_control_events_new` rename to `aol_control_events`;');
  }
}
