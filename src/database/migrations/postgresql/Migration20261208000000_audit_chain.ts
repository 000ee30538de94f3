import { Migration } from '@mikro-orm/migrations';

/**
 * The audit chain (src/audit): one row per fact, each holding the SHA-256 of the one before, and
 * its head, the one row every appending transaction locks so two writers cannot fork the chain.
 * Triggers refuse UPDATE, DELETE and TRUNCATE of the chain: history is appended, never edited.
 */
export class Migration20261208000000_audit_chain extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "aol_audit_chain" (
      "id" bigint not null primary key,
      "epoch" bigint null,
      "kind" varchar(20) not null,
      "action_id" bigint null,
      "subject_id" bigint null,
      "content" text not null,
      "content_sha256" varchar(64) not null,
      "prev_sha256" varchar(64) not null,
      "entry_sha256" varchar(64) not null,
      "created_at" timestamptz not null
    );`);
    this.addSql(`create table "aol_audit_head" (
      "id" int not null primary key,
      "last_id" bigint not null,
      "last_sha256" varchar(64) not null
    );`);
    this.addSql(`insert into "aol_audit_head" ("id", "last_id", "last_sha256") values (1, 0, repeat('0', 64));`);
    this.addSql(`create function aol_refuse_audit_change() returns trigger language plpgsql as $$
      begin
        raise exception 'aol_audit_chain is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(
      `create trigger "aol_audit_chain_append_only" before update or delete on "aol_audit_chain" for each row execute function aol_refuse_audit_change();`,
    );
    this.addSql(
      `create trigger "aol_audit_chain_no_truncate" before truncate on "aol_audit_chain" for each statement execute function aol_refuse_audit_change();`,
    );
  }
}
