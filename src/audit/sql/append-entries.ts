import { raw, Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';
import { ATTEMPT_BATCH_ATTEMPTS, AuditKind, BATCHED_ATTEMPTS, ENQUEUE_BATCH_ACTIONS, ENQUEUED_ACTION } from '../audit-fact';

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

/** A statement that writes facts, before its entries are added: its CTEs (each append below names the last it needs) and its final select. */
export interface StatementParts {
  prelude: Sql;
  result: Sql;
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

const hex = (text: Sql) => sql`encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`;

/**
 * The chain's part of a one-statement append on PostgreSQL, after the caller's CTE `fact` (n
 * from 0, kind, action_id, subject_id, content): the head locked and read, each entry's hash
 * computed in one ordered pass by the aggregate aol_audit_chain_sha256 (sha256() over the
 * previous hash and the content's UTF-8 bytes, as the verifier hashes; see its migration), the
 * entries inserted, and `moved`, the head moved to the last (no row when there was nothing to
 * append).
 */
function chainFacts(d: SqlDialect, epoch: number | null): Sql {
  return sql`head as materialized (select last_id, last_sha256 from aol_audit_head where id = 1 for update),
    chained as materialized (
      select fact.n, fact.kind, fact.action_id, fact.subject_id, fact.content,
             aol_audit_chain_sha256(head.last_sha256, fact.content) over (order by fact.n) as entry_sha256
      from fact cross join head),
    appended as (
      insert into aol_audit_chain (id, epoch, kind, action_id, subject_id, content, content_sha256, prev_sha256, entry_sha256, created_at)
      select head.last_id + chained.n + 1, ${epoch}::bigint, chained.kind, chained.action_id, chained.subject_id, chained.content, ${hex(sql`chained.content`)},
             coalesce(lag(chained.entry_sha256) over (order by chained.n), head.last_sha256), chained.entry_sha256, ${d.now}
      from chained cross join head),
    moved as (
      update aol_audit_head set last_id = head.last_id + last.n + 1, last_sha256 = last.entry_sha256
      from head, (select n, entry_sha256 from chained order by n desc limit 1) as last
      where aol_audit_head.id = 1
      returning aol_audit_head.last_id, aol_audit_head.last_sha256)`;
}

/**
 * On PostgreSQL, the whole append in one statement (see chainFacts), the facts read from one
 * jsonb parameter, returning the new head. Null on SQLite, which has neither sha256() nor
 * writing CTEs: there the caller locks the head, hashes in process and writes with
 * appendAuditEntries.
 */
export function appendHashedInSql(d: SqlDialect, facts: readonly ChainedFact[], epoch: number | null): Sql | null {
  return d.pick({
    postgresql: () => {
      const rows = JSON.stringify(facts.map((fact) => [fact.kind, fact.actionId, fact.subjectId, fact.content]));
      return sql`with fact as materialized (
          select (ord - 1)::int as n, value ->> 0 as kind, (value ->> 1)::bigint as action_id, (value ->> 2)::bigint as subject_id, value ->> 3 as content
          from jsonb_array_elements(cast(${rows} as jsonb)) with ordinality as element(value, ord)),
        ${chainFacts(d, epoch)}
        select last_id, last_sha256 from moved`;
    },
    sqlite: () => null,
  });
}

/**
 * On PostgreSQL, entries appended in the statement that writes their facts: `prelude` holds the
 * caller's CTEs and ends with `fact` (n from 0, kind, action_id, subject_id, content), made in SQL
 * from the rows the statement wrote; they are chained as appendHashedInSql chains. `result` is
 * the statement's final select.
 */
function appendFactsInSql(d: SqlDialect, epoch: number | null, prelude: Sql, result: Sql): Sql {
  return sql`with ${prelude},
    ${chainFacts(d, epoch)}
    ${result}`;
}

/**
 * On PostgreSQL, an insert of actions and its ENQUEUE_BATCH entries in one statement: one round
 * trip and no transaction around it. `prelude` holds the caller's CTEs, the insert among them,
 * and ends with `enqueued` (id, created_at, tail, ord): one row per action inserted, `tail` from
 * enqueuedActionTail. Each entry's content is written here around the id and time only the
 * insert knows, exactly as enqueueBatchFacts writes it (ENQUEUE_BATCH_ACTIONS actions per entry,
 * in `ord` order; createdAt as toISOString writes it, both truncating to the millisecond).
 */
export function appendEnqueueBatchesInSql(d: SqlDialect, prelude: Sql, result: Sql): Sql {
  const isoTime = sql`to_char(numbered.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const action = sql`${ENQUEUED_ACTION.id}::text || numbered.id || ${ENQUEUED_ACTION.createdAt}::text || ${isoTime} || '"' || numbered.tail`;
  return appendFactsInSql(
    d,
    null,
    sql`${prelude},
    numbered as materialized (select id, created_at, tail, (row_number() over (order by ord) - 1)::int as i from enqueued),
    fact as materialized (
      select i / ${ENQUEUE_BATCH_ACTIONS}::int as n, ${AuditKind.ENQUEUE_BATCH}::text as kind,
             case when count(*) = 1 then min(numbered.id) end as action_id, null::bigint as subject_id,
             ${ENQUEUED_ACTION.batchStart}::text || string_agg(${action}, ',' order by i) || ${ENQUEUED_ACTION.batchEnd}::text as content
      from numbered group by 1)`,
    result,
  );
}

/** A text column as JSON: a string with JSON's escapes, or null. PostgreSQL escapes as JSON.stringify does (and a stored text cannot hold the lone surrogates it would also escape). */
const jsonText = (column: string) => sql`coalesce(to_json(${raw(column)})::text, 'null')`;

/**
 * An attempt's canonical content (audit-fact.ts, attemptFact), written in SQL from its log row
 * as inserted (`logged`): keys in canonical order, startedAt as toISOString writes it.
 */
const ATTEMPT_CONTENT = sql`'{"actionId":' || logged.action_id || ',"artifactRef":' || ${jsonText('logged.artifact_ref')}
  || ',"artifactSha256":' || ${jsonText('logged.artifact_sha256')} || ',"attempt":' || logged.attempt
  || ',"durationMs":' || logged.duration_ms || ',"error":' || ${jsonText('logged.error')} || ',"errorCode":' || ${jsonText('logged.error_code')}
  || ',"logId":' || logged.id || ',"mode":' || ${jsonText('logged.mode')} || ',"outcome":' || ${jsonText('logged.outcome')}
  || ',"startedAt":"' || to_char(logged.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  || '","tickId":' || coalesce(logged.tick_id::text, 'null') || '}'`;

/**
 * On PostgreSQL, an insert of attempts' log rows and their ATTEMPT_BATCH entries in one
 * statement. `prelude` holds the caller's CTEs and ends with `logged`: every column of each log
 * row inserted. Each entry's content is written here from those rows, exactly as
 * attemptBatchFacts writes it (ATTEMPT_BATCH_ATTEMPTS attempts per entry, in the order of their
 * ids, as LedgerService.auditAttempts appends them), so the service sends each attempt once.
 */
export function appendAttemptsInSql(d: SqlDialect, epoch: number, prelude: Sql, result: Sql): Sql {
  return appendFactsInSql(
    d,
    epoch,
    sql`${prelude},
    numbered as materialized (select logged.id as log_id, logged.action_id, ${ATTEMPT_CONTENT} as content, (row_number() over (order by logged.id) - 1)::int as i from logged),
    fact as materialized (
      select i / ${ATTEMPT_BATCH_ATTEMPTS}::int as n, ${AuditKind.ATTEMPT_BATCH}::text as kind,
             case when count(*) = 1 then min(action_id) end as action_id, case when count(*) = 1 then min(log_id) end as subject_id,
             ${BATCHED_ATTEMPTS.batchStart}::text || string_agg(content, ',' order by i) || ${BATCHED_ATTEMPTS.batchEnd}::text as content
      from numbered group by 1)`,
    result,
  );
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
