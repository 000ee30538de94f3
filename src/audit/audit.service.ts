import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { SqlDatabase, SqlExecutor, SqlRow } from '../database/sql-database';
import { AuditFact, entrySha256, retentionFact, sha256Hex } from './audit-fact';
import { AuditSigner, SignedHead } from './audit-signer';
import { AuditVerification, verifyAuditChain } from './audit-verifier';
import { canonicalJson } from './canonical-json';
import type { Sql } from '../database/sql';
import {
  appendAttemptsInSql,
  appendAuditEntries,
  appendEnqueueBatchesInSql,
  appendHashedInSql,
  AuditEntryRow,
  AuditHeadRow,
  ChainedFact,
  lockAuditHead,
  StatementParts,
} from './sql/append-entries';
import { AuditEntry, readAuditEntries, readAuditHead } from './sql/read-entries';
import { closeRetentionGuard, openRetentionGuard } from './sql/retention-guard';

export interface AuditHead {
  id: number;
  entrySha256: string;
}

/** What retention removes: finished actions, with this many log rows between them. */
export interface Removal {
  actionIds: readonly number[];
  logRows: number;
}

/**
 * The tamper-evident audit chain: every attempt, control event and enqueue is appended, in the
 * transaction of its fact, as an entry holding the SHA-256 of its canonical content and of the
 * entry before it. Verification recomputes the chain and compares each entry with its fact row.
 */
@Injectable()
export class AuditService {
  private readonly signer: AuditSigner | null;

  constructor(
    private readonly db: SqlDatabase,
    private readonly config: AolConfig,
  ) {
    this.signer = config.auditSigning ? new AuditSigner(config.auditSigning) : null;
  }

  /**
   * Appends `facts` inside the caller's transaction, after their rows are written (so on SQLite
   * the write lock is already held): on PostgreSQL in one statement that hashes in SQL, on
   * SQLite with the head locked, the hashes computed here and the entries written. The head is
   * signed when this append takes the chain past a multiple of AOL_AUDIT_SIGN_EVERY.
   */
  async append(tx: SqlExecutor, facts: readonly AuditFact[], epoch: number | null = null): Promise<void> {
    if (facts.length === 0) return;
    const chained = facts.map((fact): ChainedFact => ({ ...fact, content: canonicalJson(fact.content) }));
    const inSql = appendHashedInSql(this.db.dialect, chained, epoch);
    const [head] = inSql ? await tx.query<AuditHeadRow>(inSql) : [await this.appendHashedHere(tx, chained, epoch)];
    await this.signer?.signIfDue(tx, this.db.dialect, { id: Number(head.last_id), entrySha256: head.last_sha256 }, facts.length);
  }

  /**
   * An insert of actions and its ENQUEUE_BATCH entries as one statement, which needs no
   * transaction around it (sql/append-entries.ts, appendEnqueueBatchesInSql, given what `insert`
   * makes). Null, and `insert` not called, where the entries take steps of their own in the
   * caller's transaction (append): on SQLite, and when heads are signed (a signature goes in
   * with its entries).
   */
  enqueueStatement(insert: () => StatementParts): Sql | null {
    if (!this.appendsInStatement) return null;
    const { prelude, result } = insert();
    return appendEnqueueBatchesInSql(this.db.dialect, prelude, result);
  }

  /**
   * Attempts' log rows and their ATTEMPT entries as one statement (sql/append-entries.ts,
   * appendAttemptsInSql, given what `insert` makes), or null as enqueueStatement is.
   */
  attemptsStatement(epoch: number, insert: () => StatementParts): Sql | null {
    if (!this.appendsInStatement) return null;
    const { prelude, result } = insert();
    return appendAttemptsInSql(this.db.dialect, epoch, prelude, result);
  }

  /** Whether entries can be written by the statement that writes their facts (see enqueueStatement). */
  get appendsInStatement(): boolean {
    return this.db.dialect.writingCtes && !this.signer;
  }

  /**
   * The one way rows of the append-only fact tables are deleted (retention): in the caller's
   * transaction, a RETENTION checkpoint naming what goes and the head the chain ends on when it
   * goes is appended first; then the guard the tables' triggers check is opened for `remove`
   * alone. A failure rolls the whole back, checkpoint and guard with it.
   */
  async removeUnderCheckpoint<T>(tx: SqlExecutor, removal: Removal, remove: () => Promise<T>): Promise<T> {
    const d = this.db.dialect;
    const [head] = await tx.query<AuditHeadRow>(lockAuditHead(d));
    await this.append(tx, [retentionFact(removal, { id: Number(head.last_id), entrySha256: head.last_sha256 })]);
    await tx.query(openRetentionGuard(d));
    const removed = await remove();
    await tx.query(closeRetentionGuard(d));
    return removed;
  }

  /** Entries after `afterId`, oldest first. */
  async entries(afterId: number, limit: number, executor: SqlExecutor = this.db): Promise<AuditEntry[]> {
    return (await executor.query(readAuditEntries(afterId, limit))).map((row) => this.toEntry(row));
  }

  async head(): Promise<AuditHead> {
    const [row] = await this.db.query<AuditHeadRow>(readAuditHead());
    return { id: Number(row.last_id), entrySha256: row.last_sha256 };
  }

  /** The latest signed head, null when none was signed. */
  latestSignedHead(): Promise<SignedHead | null> {
    return AuditSigner.latest(this.db);
  }

  /** Recomputes the chain from entry `fromId` on (see audit-verifier.ts), and checks the signed heads. */
  verify(fromId = 1): Promise<AuditVerification> {
    return verifyAuditChain(this.db, this.config, fromId, (afterId, limit) => this.entries(afterId, limit));
  }

  /** The head locked and read, each entry hashed here, then written (SQLite). */
  private async appendHashedHere(tx: SqlExecutor, facts: readonly ChainedFact[], epoch: number | null): Promise<AuditHeadRow> {
    const d = this.db.dialect;
    const [head] = await tx.query<AuditHeadRow>(lockAuditHead(d));
    let id = Number(head.last_id);
    let prevSha256 = head.last_sha256;
    const entries = facts.map((fact): AuditEntryRow => {
      const entry: AuditEntryRow = {
        ...fact,
        id: (id += 1),
        epoch,
        contentSha256: sha256Hex(fact.content),
        prevSha256,
        entrySha256: entrySha256(prevSha256, fact.content),
      };
      prevSha256 = entry.entrySha256;
      return entry;
    });
    for (const statement of appendAuditEntries(d, entries)) await tx.query(statement);
    return { last_id: id, last_sha256: prevSha256 };
  }

  private toEntry(row: SqlRow): AuditEntry {
    return {
      id: Number(row.id),
      epoch: nullableNumber(row.epoch),
      kind: row.kind as string,
      actionId: nullableNumber(row.action_id),
      subjectId: nullableNumber(row.subject_id),
      content: row.content as string,
      contentSha256: row.content_sha256 as string,
      prevSha256: row.prev_sha256 as string,
      entrySha256: row.entry_sha256 as string,
      createdAt: this.db.dialect.toDate(row.created_at),
    };
  }
}

export function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
