import { Migration } from '@mikro-orm/migrations';

/**
 * The same triggers and baseline as the PostgreSQL migration of the same name. SQLite has no
 * session settings: retention's transaction opens a one-row guard (aol_retention_guard) for its
 * deletes and closes it before it commits, so no other transaction ever sees it open.
 */
export class Migration20261209100000_append_only_facts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`aol_retention_guard\` (\`id\` integer not null primary key, \`open\` integer not null);`);
    this.addSql(`insert into \`aol_retention_guard\` (\`id\`, \`open\`) values (1, 0);`);
    for (const table of ['aol_execution_logs', 'aol_control_events']) {
      this.addSql(`create trigger \`${table}_no_delete\` before delete on \`${table}\`
        when coalesce((select \`open\` from \`aol_retention_guard\` where \`id\` = 1), 0) = 0
        begin select raise(abort, '${table} is append-only: DELETE refused'); end;`);
    }
    this.addSql(`create trigger \`aol_execution_logs_no_update\` before update on \`aol_execution_logs\`
      begin select raise(abort, 'aol_execution_logs is append-only: UPDATE refused'); end;`);
    this.addSql(`create trigger \`aol_control_events_no_update\` before update on \`aol_control_events\`
      when not (old.action_id is null and json_type(old.details, '$.bulk') is not null
        and json_extract(new.details, '$.bulk') is json_extract(old.details, '$.bulk')
        and new.id is old.id and new.kind is old.kind and new.actor is old.actor and new.reason is old.reason
        and new.action_id is old.action_id and new.created_at is old.created_at)
      begin select raise(abort, 'aol_control_events is append-only: UPDATE refused'); end;`);
    this.addSql(`create table \`aol_audit_baseline\` (\`fact_table\` text not null primary key, \`last_unchained_id\` integer not null);`);
    for (const [table, kind] of [
      ['aol_execution_logs', 'ATTEMPT'],
      ['aol_control_events', 'CONTROL'],
      ['aol_actions', 'ENQUEUE'],
    ]) {
      this.addSql(`insert into \`aol_audit_baseline\` (\`fact_table\`, \`last_unchained_id\`)
        select '${table}', coalesce(max(f.id), 0) from \`${table}\` f
        where not exists (select 1 from \`aol_audit_chain\` c where c.kind = '${kind}' and c.subject_id = f.id);`);
    }
    this.addSql(`create trigger \`aol_audit_baseline_no_update\` before update on \`aol_audit_baseline\`
      begin select raise(abort, 'aol_audit_baseline is append-only: UPDATE refused'); end;`);
    this.addSql(`create trigger \`aol_audit_baseline_no_delete\` before delete on \`aol_audit_baseline\`
      begin select raise(abort, 'aol_audit_baseline is append-only: DELETE refused'); end;`);
  }
}
