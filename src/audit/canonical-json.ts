import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so two payloads that mean the same compare
 * equal whatever order their keys came in (PostgreSQL's jsonb reorders them, for one).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** SHA-256 (hex) of a payload's canonical JSON: what an approval binds to. */
export function payloadSha256(payload: unknown): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}
