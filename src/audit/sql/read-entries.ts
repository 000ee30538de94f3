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

/** The rows of one fact table by id, as they read now (verification compares them to the entries). */
export function readFactRows(
  d: SqlDialect,
  table: 'aol_execution_logs' | 'aol_control_events' | 'aol_actions',
  ids: readonly number[],
): Sql {
  return sql`select * from ${raw(table)} where ${d.inList(raw('id'), ids)}`;
}
