import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import type { AuditEntryRow } from './append-entries';

/** A chain entry as read back. */
export interface AuditEntry extends AuditEntryRow {
  createdAt: Date;
}

export const ENTRY_COLUMNS = raw('id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at');

/** Entries after `afterId`, oldest first: verification, export and the GraphQL page walk the chain by its primary key. */
export function readAuditEntries(afterId: number, limit: number): Sql {
  return sql`select ${ENTRY_COLUMNS} from aol_audit_chain where id > ${afterId} order by id limit ${limit}`;
}

/**
 * Entries after `afterId` without their content, but a RETENTION checkpoint's: what verification's
 * first pass needs (what later entries say about earlier ones), at a few bytes an entry.
 */
export function readAuditOutline(afterId: number, limit: number): Sql {
  return sql`select id, kind, subject_id, case when kind = 'RETENTION' then content end as content
    from aol_audit_chain where id > ${afterId} order by id limit ${limit}`;
}

export function readAuditHead(): Sql {
  return sql`select last_id, last_sha256 from aol_audit_head where id = 1`;
}

export type FactTable = 'aol_execution_logs' | 'aol_control_events' | 'aol_actions';

/**
 * The lowest row of a fact table without the entry its insert appends (`kind`): inserted
 * outside the chain. Rows up to the table's baseline predate the chain (an upgraded database).
 * An anti-join the planner hashes (PostgreSQL) or serves by an automatic index (SQLite).
 */
export function firstUnchainedRow(table: FactTable, kind: string): Sql {
  return sql`select min(f.id) as id from ${raw(table)} f
    where f.id > coalesce((select last_unchained_id from aol_audit_baseline where fact_table = ${table}), 0)
      and not exists (select 1 from aol_audit_chain c where c.kind = ${kind} and c.subject_id = f.id)`;
}

/**
 * The lowest action without an entry of its enqueue: neither an ENQUEUE entry of its own (chains
 * written before ENQUEUE_BATCH) nor a place in an ENQUEUE_BATCH entry's actions. The batches'
 * action ids are read out of their JSON once, into a set the actions are anti-joined against.
 */
export function firstUnenqueuedAction(d: SqlDialect): Sql {
  const batched = d.pick({
    postgresql: () =>
      raw(`select (item ->> 'actionId')::bigint as id from aol_audit_chain c
        cross join jsonb_array_elements(c.content::jsonb -> 'actions') as item where c.kind = 'ENQUEUE_BATCH'`),
    sqlite: () =>
      raw(`select json_extract(item.value, '$.actionId') as id from aol_audit_chain c, json_each(c.content, '$.actions') as item
        where c.kind = 'ENQUEUE_BATCH'`),
  });
  return sql`with enqueued as materialized (
      select subject_id as id from aol_audit_chain where kind = 'ENQUEUE'
      union all ${batched})
    select min(f.id) as id from aol_actions f
    where f.id > coalesce((select last_unchained_id from aol_audit_baseline where fact_table = 'aol_actions'), 0)
      and not exists (select 1 from enqueued e where e.id = f.id)`;
}

/** The rows of one fact table by id, as they read now (verification compares them to the entries). */
export function readFactRows(d: SqlDialect, table: FactTable, ids: readonly number[]): Sql {
  return sql`select * from ${raw(table)} where ${d.inList(raw('id'), ids)}`;
}
