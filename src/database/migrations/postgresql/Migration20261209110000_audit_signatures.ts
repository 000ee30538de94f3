import { Migration } from '@mikro-orm/migrations';

/** Signed heads of the audit chain (AOL_AUDIT_SIGNING_KEY), append-only like the chain. */
export class Migration20261209110000_audit_signatures extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "aol_audit_signatures" (
      "entry_id" bigint not null primary key,
      "head_sha256" varchar(64) not null,
      "signature" text not null,
      "key_fingerprint" varchar(64) not null,
      "created_at" timestamptz not null
    );`);
    this.addSql(
      `create trigger "aol_audit_signatures_append_only" before update or delete on "aol_audit_signatures" for each row execute function aol_refuse_audit_change();`,
    );
  }
}
