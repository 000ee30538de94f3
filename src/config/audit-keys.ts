import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';

/** Ed25519 keys for signing the audit chain's head, from AOL_AUDIT_SIGNING_KEY / AOL_AUDIT_PUBLIC_KEY. */
export interface AuditSigning {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** A head is signed each time the chain passes a multiple of this many entries. */
  every: number;
}

/**
 * An Ed25519 key from a variable: PEM (its line breaks may be written \n), or the base64 of its
 * DER (PKCS#8 for a private key, SPKI for a public one). A problem naming the variable otherwise.
 */
export function readEd25519Key(name: string, value: string, kind: 'private' | 'public'): KeyObject | string {
  const problem = `${name} must be an Ed25519 ${kind} key, PEM or base64 ${kind === 'private' ? 'PKCS#8' : 'SPKI'} DER`;
  const text = value.trim().replace(/\\n/g, '\n');
  const der = () => Buffer.from(text, 'base64');
  const pem = text.startsWith('-----BEGIN');
  let key: KeyObject;
  try {
    if (kind === 'private') key = createPrivateKey(pem ? text : { key: der(), format: 'der', type: 'pkcs8' });
    else key = createPublicKey(pem ? text : { key: der(), format: 'der', type: 'spki' });
  } catch {
    return `${problem} (it could not be read)`;
  }
  return key.asymmetricKeyType === 'ed25519' ? key : `${problem} (got a ${key.asymmetricKeyType ?? 'unknown'} key)`;
}
