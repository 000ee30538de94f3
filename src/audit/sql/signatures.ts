import { Sql, sql } from '../../database/sql';
import type { SqlDialect } from '../../database/sql-dialect';

export interface SignatureRow {
  entryId: number;
  headSha256: string;
  signature: string;
  keyFingerprint: string;
}

/** One signed head, in the transaction of the append that reached it. */
export function insertSignature(d: SqlDialect, row: SignatureRow): Sql {
  return sql`insert into aol_audit_signatures (entry_id, head_sha256, signature, key_fingerprint, created_at)
    values (${row.entryId}, ${row.headSha256}, ${row.signature}, ${row.keyFingerprint}, ${d.now})`;
}

/** Signed heads after `afterEntryId`, oldest first (verification), or the latest alone. */
export function readSignatures(afterEntryId: number, limit: number): Sql {
  return sql`select entry_id, head_sha256, signature, key_fingerprint, created_at from aol_audit_signatures
    where entry_id > ${afterEntryId} order by entry_id limit ${limit}`;
}

export function readLatestSignature(): Sql {
  return sql`select entry_id, head_sha256, signature, key_fingerprint, created_at from aol_audit_signatures order by entry_id desc limit 1`;
}
