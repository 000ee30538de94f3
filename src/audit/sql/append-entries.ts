import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/** A chain row as appended: everything but the database's time. */
export interface AuditEntryRow {
  id: number;
  epoch: number | null;
  kind: string;
  actionId: number | null;
  subjectId: number | null;
  content: string;
  contentSha256: string;
  prevSha256: string;
  entrySha256: string;
}

/**
 * The chain's head, locked until the caller's transaction ends: the one row every appending
 * transaction takes, so the leader's attempts and the API's control events and enqueues append
 * one after the other and never both onto the same previous hash. PostgreSQL's FOR UPDATE waits
 * for a concurrent appender's commit and then reads the row as that commit left it; SQLite has
 * one writer, and the caller's fact insert already holds the write lock.
 */
export function lockAuditHead(d: SqlDialect): Sql {
  return sql`select last_id, last_sha256 from aol_audit_head where id = 1 ${d.pick({ postgresql: () => raw('for update'), sqlite: () => raw('') })}`;
}

/**
 * The entries, from one JSON parameter, and the head moved to the last of them: one statement
 * on PostgreSQL (a data-modifying CTE), two on SQLite (no writing CTEs; in-process, no round trip).
 */
export function appendAuditEntries(d: SqlDialect, entries: readonly AuditEntryRow[]): Sql[] {
  const entry = d.recordset(
    'entry',
    [
      { name: 'id', type: 'bigint' },
      { name: 'epoch', type: 'bigint' },
      { name: 'kind', type: 'text' },
      { name: 'action_id', type: 'bigint' },
      { name: 'subject_id', type: 'bigint' },
      { name: 'content', type: 'text' },
      { name: 'content_sha256', type: 'text' },
      { name: 'prev_sha256', type: 'text' },
      { name: 'entry_sha256', type: 'text' },
    ],
    entries.map((row) => ({
      id: row.id,
      epoch: row.epoch,
      kind: row.kind,
      action_id: row.actionId,
      subject_id: row.subjectId,
      content: row.content,
      content_sha256: row.contentSha256,
      prev_sha256: row.prevSha256,
      entry_sha256: row.entrySha256,
    })),
  );
  const insert = sql`insert into aol_audit_chain (id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at)
    select entry.id, entry.epoch, entry.kind, entry.action_id, entry.subject_id, entry.content, entry.content_sha256, entry.prev_sha256, entry.entry_sha256, ${d.now}
    from ${entry}`;
  const last = entries[entries.length - 1];
  const moveHead = sql`update aol_audit_head set last_id = ${last.id}, last_sha256 = ${last.entrySha256} where id = 1`;
  return d.pick({
    postgresql: () => [sql`with appended as (${insert} returning id) ${moveHead}`],
    sqlite: () => [insert, moveHead],
  });
}
