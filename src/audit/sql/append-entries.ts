import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

/** A fact ready to chain: its content already canonical JSON. */
export interface ChainedFact {
  kind: string;
  actionId: number | null;
  subjectId: number | null;
  content: string;
}

/** A chain row as appended: everything but the database's time. */
export interface AuditEntryRow extends ChainedFact {
  id: number;
  epoch: number | null;
  contentSha256: string;
  prevSha256: string;
  entrySha256: string;
}

/** The head as an append leaves it. */
export interface AuditHeadRow {
  last_id: unknown;
  last_sha256: string;
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
 * On PostgreSQL, the whole append in one statement: the head locked and read, each entry's
 * hash computed by sha256() over the previous hash and its content (a recursive CTE walking the
 * contents by index in the one jsonb parameter: the same UTF-8 bytes the verifier hashes), the entries inserted and the head moved,
 * returning the new head. Null on SQLite, which has neither sha256() nor writing CTEs: there
 * the caller locks the head, hashes in process and writes with appendAuditEntries.
 */
export function appendHashedInSql(d: SqlDialect, facts: readonly ChainedFact[], epoch: number | null): Sql | null {
  return d.pick({
    postgresql: () => {
      const hex = (text: Sql) => sql`encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`;
      const rows = JSON.stringify(facts.map((fact) => [fact.kind, fact.actionId, fact.subjectId, fact.content]));
      return sql`with recursive
        head as materialized (select last_id, last_sha256 from aol_audit_head where id = 1 for update),
        facts as materialized (select list, jsonb_array_length(list) as count from (select cast(${rows} as jsonb) as list) as given),
        fact as materialized (
          select (ord - 1)::int as n, value ->> 0 as kind, (value ->> 1)::bigint as action_id, (value ->> 2)::bigint as subject_id, value ->> 3 as content
          from facts cross join jsonb_array_elements(facts.list) with ordinality as element(value, ord)),
        chained (n, prev_sha256, entry_sha256) as (
          select 0, null::text, last_sha256::text from head
          union all
          select chained.n + 1, chained.entry_sha256, ${hex(sql`chained.entry_sha256 || (facts.list -> chained.n ->> 3)`)}
          from chained cross join facts where chained.n < facts.count),
        appended as (
          insert into aol_audit_chain (id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at)
          select head.last_id + fact.n + 1, ${epoch}::bigint, fact.kind, fact.action_id, fact.subject_id, fact.content, ${hex(sql`fact.content`)},
                 chained.prev_sha256, chained.entry_sha256, ${d.now}
          from fact join chained on chained.n = fact.n + 1 cross join head)
        update aol_audit_head set last_id = head.last_id + facts.count, last_sha256 = chained.entry_sha256
        from head, facts, chained
        where aol_audit_head.id = 1 and chained.n = facts.count
        returning aol_audit_head.last_id, aol_audit_head.last_sha256`;
    },
    sqlite: () => null,
  });
}

/** The entries, hashed in process, from one JSON parameter, and the head moved to the last of them (SQLite: two statements, in process). */
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
  const last = entries[entries.length - 1];
  return [
    sql`insert into aol_audit_chain (id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at)
    select entry.id, entry.epoch, entry.kind, entry.action_id, entry.subject_id, entry.content, entry.content_sha256, entry.prev_sha256, entry.entry_sha256, ${d.now}
    from ${entry}`,
    sql`update aol_audit_head set last_id = ${last.id}, last_sha256 = ${last.entrySha256} where id = 1`,
  ];
}
