import { createHash, KeyObject, sign, verify } from 'node:crypto';
import type { AuditSigning } from '../config/audit-keys';
import type { SqlDatabase, SqlExecutor, SqlRow } from '../database/sql-database';
import type { SqlDialect } from '../database/sql-dialect';
import { insertSignature, readLatestSignature } from './sql/signatures';

/** A signed head: the entry it names, that entry's hash, and the Ed25519 signature over both. */
export interface SignedHead {
  entryId: number;
  headSha256: string;
  /** Base64. */
  signature: string;
  /** SHA-256 (hex) of the public key's SPKI DER. */
  keyFingerprint: string;
  signedAt: Date;
}

/** The bytes signed: the entry id and its hash, so a signature cannot be moved to another entry. */
export function signedMessage(entryId: number, headSha256: string): Buffer {
  return Buffer.from(`aol-audit-head ${entryId} ${headSha256}`, 'utf8');
}

export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex');
}

export function signatureProblem(head: SignedHead, publicKey: KeyObject): string | null {
  const fingerprint = keyFingerprint(publicKey);
  if (head.keyFingerprint !== fingerprint) return `it was signed by key ${head.keyFingerprint}, not the configured key ${fingerprint}`;
  return verify(null, signedMessage(head.entryId, head.headSha256), publicKey, Buffer.from(head.signature, 'base64'))
    ? null
    : 'its signature does not verify';
}

export function toSignedHead(d: SqlDialect, row: SqlRow): SignedHead {
  return {
    entryId: Number(row.entry_id),
    headSha256: row.head_sha256 as string,
    signature: row.signature as string,
    keyFingerprint: row.key_fingerprint as string,
    signedAt: d.toDate(row.created_at),
  };
}

/** Signs the head (AOL_AUDIT_SIGNING_KEY) each time an append takes the chain past a multiple of AOL_AUDIT_SIGN_EVERY. */
export class AuditSigner {
  private readonly fingerprint: string;

  constructor(private readonly signing: AuditSigning) {
    this.fingerprint = keyFingerprint(signing.publicKey);
  }

  async signIfDue(tx: SqlExecutor, d: SqlDialect, head: { id: number; entrySha256: string }, appended: number): Promise<void> {
    const every = this.signing.every;
    if (Math.floor(head.id / every) === Math.floor((head.id - appended) / every)) return;
    const signature = sign(null, signedMessage(head.id, head.entrySha256), this.signing.privateKey).toString('base64');
    await tx.query(insertSignature(d, { entryId: head.id, headSha256: head.entrySha256, signature, keyFingerprint: this.fingerprint }));
  }

  static async latest(db: SqlDatabase): Promise<SignedHead | null> {
    const [row] = await db.query(readLatestSignature());
    return row ? toSignedHead(db.dialect, row) : null;
  }
}
