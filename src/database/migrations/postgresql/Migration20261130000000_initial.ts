import { Migration } from '@mikro-orm/migrations';

/** The five tables of AOL, their indexes, the switchboard row and the orchestrator's lease row. */
export class Migration20261130000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "aol_actions" (
      "id" bigserial primary key,
      "idempotency_key" varchar(200) not null,
      "type" varchar(40) not null,
      "payload" jsonb not null,
      "status" text check ("status" in ('PENDING', 'RUNNING', 'RETRY', 'SUCCESS', 'DLQ', 'CANCELLED', 'NEEDS_REVIEW')) not null,
      "attempts" int not null default 0,
      "run_after" timestamptz not null,
      "last_error_code" varchar(60) null,
      "last_error" text null,
      "claimed_by" varchar(200) null,
      "claim_epoch" bigint null,
      "artifact_ref" varchar(500) null,
      "artifact_sha256" varchar(64) null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      "finished_at" timestamptz null,
      constraint "aol_actions_idempotency_key_unique" unique ("idempotency_key"));`);
    // The claim statement reads only due rows in (run_after, id) order: a partial index keeps
    // it a short index range scan however many finished rows pile up.
    this.addSql(`create index "aol_actions_due_idx" on "aol_actions" ("run_after", "id") where "status" in ('PENDING', 'RETRY');`);
    this.addSql(`create index "aol_actions_running_idx" on "aol_actions" ("claim_epoch") where "status" = 'RUNNING';`);
    this.addSql(`create index "aol_actions_status_created_at_idx" on "aol_actions" ("status", "created_at");`);

    this.addSql(`create table "aol_control_flags" (
      "id" int not null check ("id" = 1),
      "paused" boolean not null default false,
      "killed" boolean not null default false,
      "proof_mode" boolean not null default true,
      "reason" text null,
      "updated_by" varchar(200) null,
      "updated_at" timestamptz not null,
      constraint "aol_control_flags_pkey" primary key ("id"));`);
    this.addSql(`insert into "aol_control_flags" ("id", "paused", "killed", "proof_mode", "reason", "updated_by", "updated_at")
      values (1, false, false, true, 'initial state', 'migration', clock_timestamp());`);

    this.addSql(`create table "aol_lease" (
      "id" serial primary key,
      "name" varchar(100) not null,
      "owner" varchar(200) null,
      "epoch" bigint not null default 0,
      "acquired_at" timestamptz null,
      "renewed_at" timestamptz null,
      "expires_at" timestamptz not null,
      constraint "aol_lease_name_unique" unique ("name"));`);
    this.addSql(`insert into "aol_lease" ("name", "owner", "epoch", "expires_at") values ('orchestrator', null, 0, 'epoch');`);

    this.addSql(`create table "aol_tick_ledger" (
      "id" bigserial primary key,
      "owner" varchar(200) not null,
      "epoch" bigint not null,
      "started_at" timestamptz not null,
      "finished_at" timestamptz null,
      "duration_ms" int null,
      "outcome" text check ("outcome" in ('RUNNING', 'SUCCESS', 'PARTIAL', 'PAUSED', 'KILLED', 'ERROR')) not null,
      "attempted" int not null default 0,
      "succeeded" int not null default 0,
      "failed" int not null default 0,
      "retried" int not null default 0,
      "dead_lettered" int not null default 0,
      "note" text null);`);
    this.addSql(`create index "aol_tick_ledger_started_at_idx" on "aol_tick_ledger" ("started_at");`);

    this.addSql(`create table "aol_execution_logs" (
      "id" bigserial primary key,
      "action_id" bigint not null references "aol_actions" ("id"),
      "tick_id" bigint null references "aol_tick_ledger" ("id"),
      "attempt" int not null,
      "mode" text check ("mode" in ('PROOF', 'REAL')) not null,
      "outcome" text check ("outcome" in ('SUCCESS', 'FAILED', 'TIMED_OUT')) not null,
      "started_at" timestamptz not null,
      "duration_ms" int not null,
      "artifact_ref" varchar(500) null,
      "artifact_sha256" varchar(64) null,
      "error_code" varchar(60) null,
      "error" text null);`);
    this.addSql(`create index "aol_execution_logs_action_id_idx" on "aol_execution_logs" ("action_id", "id");`);
    this.addSql(`create index "aol_execution_logs_tick_id_idx" on "aol_execution_logs" ("tick_id");`);
  }
}
