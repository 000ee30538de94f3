import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { SqlDatabase, SqlExecutor, SqlRow } from '../database/sql-database';
import { AuditFact, entrySha256, sha256Hex } from './audit-fact';
import { AuditVerification, verifyAuditChain } from './audit-verifier';
import { canonicalJson } from './canonical-json';
import { appendAuditEntries, AuditEntryRow, lockAuditHead } from './sql/append-entries';
import { readAuditEntries, readAuditHead } from './sql/read-entries';

/** A chain entry as read back. */
export interface AuditEntry extends AuditEntryRow {
  createdAt: Date;
}

export interface AuditHead {
  id: number;
  entrySha256: string;
}

/**
 * The tamper-evident audit chain: every attempt, control event and enqueue is appended, in the
 * transaction of its fact, as an entry holding the SHA-256 of its canonical content and of the
 * entry before it. Verification recomputes the chain and compares each entry with its fact row.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly config: AolConfig,
  ) {}

  /**
   * Appends `facts` inside the caller's transaction, after their rows are written (so on SQLite
   * the write lock is already held): the head read under its lock, the hashes computed here,
   * the entries written with the head moved.
   */
  async append(tx: SqlExecutor, facts: readonly AuditFact[], epoch: number | null = null): Promise<void> {
    if (facts.length === 0) return;
    const d = this.db.dialect;
    const [head] = await tx.query<{ last_id: unknown; last_sha256: string }>(lockAuditHead(d));
    let id = Number(head.last_id);
    let prevSha256 = head.last_sha256;
    const entries = facts.map((fact): AuditEntryRow => {
      const content = canonicalJson(fact.content);
      const entry: AuditEntryRow = {
        id: (id += 1),
        epoch,
        kind: fact.kind,
        actionId: fact.actionId,
        subjectId: fact.subjectId,
        content,
        contentSha256: sha256Hex(content),
        prevSha256,
        entrySha256: entrySha256(prevSha256, content),
      };
      prevSha256 = entry.entrySha256;
      return entry;
    });
    for (const statement of appendAuditEntries(d, entries)) await tx.query(statement);
  }

  /** Entries after `afterId`, oldest first. */
  async entries(afterId: number, limit: number, executor: SqlExecutor = this.db): Promise<AuditEntry[]> {
    return (await executor.query(readAuditEntries(afterId, limit))).map((row) => this.toEntry(row));
  }

  async head(): Promise<AuditHead> {
    const [row] = await this.db.query<{ last_id: unknown; last_sha256: string }>(readAuditHead());
    return { id: Number(row.last_id), entrySha256: row.last_sha256 };
  }

  /** Recomputes the chain from entry `fromId` on (see audit-verifier.ts). */
  verify(fromId = 1): Promise<AuditVerification> {
    return verifyAuditChain(this.db, this.config.artifactDir, fromId, (afterId, limit) => this.entries(afterId, limit));
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
