import { Migration } from '@mikro-orm/migrations';

/**
 * The facts the audit chain covers are append-only too. Triggers refuse UPDATE and TRUNCATE of
 * aol_execution_logs and aol_control_events; of UPDATEs, only a bulk change's event bringing its
 * details up to date passes (its columns otherwise unchanged, and the change appended to the
 * chain by the same transaction). DELETE passes only inside retention's transaction, which sets
 * aol.retention = 'on' for itself after appending the checkpoint naming what it removes
 * (AuditService.removeUnderCheckpoint). The baseline names the rows that predate the chain (an
 * upgraded database's): verification requires an entry of every later row.
 */
export class Migration20261209100000_append_only_facts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function aol_refuse_fact_change() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' and current_setting('aol.retention', true) = 'on' then
          return old;
        end if;
        raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'insufficient_privilege';
      end $$;`);
    for (const table of ['aol_execution_logs', 'aol_control_events']) {
      this.addSql(
        `create trigger "${table}_no_delete" before delete on "${table}" for each row execute function aol_refuse_fact_change();`,
      );
      this.addSql(
        `create trigger "${table}_no_truncate" before truncate on "${table}" for each statement execute function aol_refuse_fact_change();`,
      );
    }
    this.addSql(
      `create trigger "aol_execution_logs_no_update" before update on "aol_execution_logs" for each row execute function aol_refuse_fact_change();`,
    );
    this.addSql(`create trigger "aol_control_events_no_update" before update on "aol_control_events" for each row
      when (not (old.action_id is null and old.details -> 'bulk' is not null and new.details -> 'bulk' = old.details -> 'bulk'
        and (new.id, new.kind, new.actor, new.reason, new.action_id, new.created_at)
          is not distinct from (old.id, old.kind, old.actor, old.reason, old.action_id, old.created_at)))
      execute function aol_refuse_fact_change();`);
    this.addSql(`create table "aol_audit_baseline" (
      "fact_table" varchar(40) not null primary key,
      "last_unchained_id" bigint not null
    );`);
    for (const [table, kind] of [
      ['aol_execution_logs', 'ATTEMPT'],
      ['aol_control_events', 'CONTROL'],
      ['aol_actions', 'ENQUEUE'],
    ]) {
      this.addSql(`insert into "aol_audit_baseline" ("fact_table", "last_unchained_id")
        select '${table}', coalesce(max(f.id), 0) from "${table}" f
        where not exists (select 1 from "aol_audit_chain" c where c.kind = '${kind}' and c.subject_id = f.id);`);
    }
    this.addSql(
      `create trigger "aol_audit_baseline_append_only" before update or delete on "aol_audit_baseline" for each row execute function aol_refuse_audit_change();`,
    );
  }
}
