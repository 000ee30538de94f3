import { Migration } from '@mikro-orm/migrations';

/**
 * For the operator API: action priority, a retry budget that an operator can renew, the
 * remote post a REAL run created, and the append-only log of operator control events.
 */
export class Migration20261130120000_operator_api extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "aol_actions"
      add column "priority" int not null default 0,
      add column "attempt_floor" int not null default 0,
      add column "remote_id" varchar(200) null,
      add column "remote_url" varchar(1000) null;`);
    // Claim order is now priority first, then oldest due: the partial index follows it.
    this.addSql(`drop index "aol_actions_due_idx";`);
    this.addSql(
      `create index "aol_actions_due_idx" on "aol_actions" ("priority" desc, "run_after", "id") where "status" in ('PENDING', 'RETRY');`,
    );
    // Listing by status pages by id: (status, id) serves both the filter and the order.
    this.addSql(`drop index "aol_actions_status_created_at_idx";`);
    this.addSql(`create index "aol_actions_status_id_idx" on "aol_actions" ("status", "id");`);

    this.addSql(`create table "aol_control_events" (
      "id" bigserial primary key,
      "kind" text check ("kind" in ('PAUSE', 'RESUME', 'KILL', 'REVIVE', 'SET_PROOF_MODE', 'CANCEL_ACTION', 'RETRY_ACTION')) not null,
      "actor" varchar(200) not null,
      "reason" text not null,
      "action_id" bigint null references "aol_actions" ("id"),
      "details" jsonb null,
      "created_at" timestamptz not null);`);
  }
}
