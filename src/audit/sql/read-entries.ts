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

/** Where an entry of a batch kind lists its facts: the array under `list` in its content, each item's row id under `id`. */
export interface BatchShape {
  kind: string;
  list: string;
  id: string;
}

export const ENQUEUE_BATCH_SHAPE: BatchShape = { kind: 'ENQUEUE_BATCH', list: 'actions', id: 'actionId' };
export const ATTEMPT_BATCH_SHAPE: BatchShape = { kind: 'ATTEMPT_BATCH', list: 'attempts', id: 'logId' };

/**
 * The lowest row of a fact table without the entry its insert appends: neither an entry of kind
 * `single` about it (its subject) nor a place in the items of a `batch` entry. Rows up to the
 * table's baseline predate the chain (an upgraded database). The batches' row ids are read out
 * of their JSON once, into a set the table is anti-joined against.
 */
export function firstUnchainedRow(d: SqlDialect, table: FactTable, single: string, batch: BatchShape | null = null): Sql {
  const batched =
    batch &&
    d.pick({
      postgresql: () =>
        raw(`union all select (item ->> '${batch.id}')::bigint as id from aol_audit_chain c
        cross join jsonb_array_elements(c.content::jsonb -> '${batch.list}') as item where c.kind = '${batch.kind}'`),
      sqlite: () =>
        raw(`union all select json_extract(item.value, '$.${batch.id}') as id from aol_audit_chain c, json_each(c.content, '$.${batch.list}') as item
        where c.kind = '${batch.kind}'`),
    });
  return sql`with chained as materialized (
      select subject_id as id from aol_audit_chain where kind = ${single}
      ${batched ?? raw('')})
    select min(f.id) as id from ${raw(table)} f
    where f.id > coalesce((select last_unchained_id from aol_audit_baseline where fact_table = ${table}), 0)
      and not exists (select 1 from chained e where e.id = f.id)`;
}

/** The rows of one fact table by id, as they read now (verification compares them to the entries). */
export function readFactRows(d: SqlDialect, table: FactTable, ids: readonly number[]): Sql {
  return sql`select * from ${raw(table)} where ${d.inList(raw('id'), ids)}`;
}
