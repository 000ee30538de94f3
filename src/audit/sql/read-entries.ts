import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

export const ENTRY_COLUMNS = raw('id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at');

/** Entries after `afterId`, oldest first: verification, export and the GraphQL page walk the chain by its primary key. */
export function readAuditEntries(afterId: number, limit: number): Sql {
  return sql`select ${ENTRY_COLUMNS} from aol_audit_chain where id > ${afterId} order by id limit ${limit}`;
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

/** The rows of one fact table by id, as they read now (verification compares them to the entries). */
export function readFactRows(d: SqlDialect, table: FactTable, ids: readonly number[]): Sql {
  return sql`select * from ${raw(table)} where ${d.inList(raw('id'), ids)}`;
}
