import { Migration } from '@mikro-orm/migrations';

/** The same tables and append-only triggers as the PostgreSQL migration of the same name. */
export class Migration20261208000000_audit_chain extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`aol_audit_chain\` (
      \`id\` integer not null primary key,
      \`epoch\` integer null,
      \`kind\` text not null,
      \`action_id\` integer null,
      \`subject_id\` integer null,
      \`content\` text not null,
      \`content_sha256\` text not null,
      \`prev_sha256\` text not null,
      \`entry_sha256\` text not null,
      \`created_at\` datetime not null
    );`);
    this.addSql(`create table \`aol_audit_head\` (
      \`id\` integer not null primary key,
      \`last_id\` integer not null,
      \`last_sha256\` text not null
    );`);
    this.addSql(`insert into \`aol_audit_head\` (\`id\`, \`last_id\`, \`last_sha256\`) values (1, 0, '${'0'.repeat(64)}');`);
    this.addSql(`create trigger \`aol_audit_chain_no_update\` before update on \`aol_audit_chain\`
      begin select raise(abort, 'aol_audit_chain is append-only: UPDATE refused'); end;`);
    this.addSql(`create trigger \`aol_audit_chain_no_delete\` before delete on \`aol_audit_chain\`
      begin select raise(abort, 'aol_audit_chain is append-only: DELETE refused'); end;`);
  }
}
