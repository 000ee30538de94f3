import { Migration } from '@mikro-orm/migrations';

/** The same table and append-only triggers as the PostgreSQL migration of the same name. */
export class Migration20261209110000_audit_signatures extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`aol_audit_signatures\` (
      \`entry_id\` integer not null primary key,
      \`head_sha256\` text not null,
      \`signature\` text not null,
      \`key_fingerprint\` text not null,
      \`created_at\` datetime not null
    );`);
    this.addSql(`create trigger \`aol_audit_signatures_no_update\` before update on \`aol_audit_signatures\`
      begin select raise(abort, 'aol_audit_signatures is append-only: UPDATE refused'); end;`);
    this.addSql(`create trigger \`aol_audit_signatures_no_delete\` before delete on \`aol_audit_signatures\`
      begin select raise(abort, 'aol_audit_signatures is append-only: DELETE refused'); end;`);
  }
}
