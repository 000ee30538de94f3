import { hash } from 'node:crypto';

/** An array index (0 to 2^32 − 2): such keys come first in an object's own key order, in numeric order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 0x30 && first <= 0x39 && ARRAY_INDEX.test(key) && Number(key) <= 4294967294;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order JSON.stringify lists the keys of an object built from entries sorted by code unit. */
function byOwnKeyOrder(a: string, b: string): number {
  const aIndex = isArrayIndex(a);
  if (aIndex !== isArrayIndex(b)) return aIndex ? -1 : 1;
  return aIndex ? Number(a) - Number(b) : byCodeUnits(a, b);
}

/** Met a value that is not plain data (a Date, a class instance, a toJSON): the general path writes it. */
const NOT_PLAIN = Symbol('not plain data');

/** `value` as canonical JSON if it is plain data; undefined where JSON.stringify writes nothing. */
function writePlain(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => writePlain(item) ?? 'null').join(',')}]`;
      const prototype = Object.getPrototypeOf(value) as unknown;
      if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in value) throw NOT_PLAIN;
      const record = value as Record<string, unknown>;
      let text = '';
      const keys = Object.keys(record);
      for (const key of keys.sort(keys.some(isArrayIndex) ? byOwnKeyOrder : byCodeUnits)) {
        const written = writePlain(record[key]);
        if (written !== undefined) text += `${text === '' ? '' : ','}${JSON.stringify(key)}:${written}`;
      }
      return `{${text}}`;
    }
    default:
      throw NOT_PLAIN;
  }
}

/**
 * JSON with object keys sorted at every level, so two payloads that mean the same compare
 * equal whatever order their keys came in (PostgreSQL's jsonb reorders them, for one). The
 * text is exactly JSON.stringify's of the value with every object rebuilt from its entries
 * sorted (array-index keys thus first, in numeric order): the audit chain's hashes are of it.
 * Plain data (what JSON.parse makes, the audit's facts) is written directly, about ten times
 * faster than through a replacer (1,000 enqueue facts: 0.6 ms against 7 ms); anything else
 * takes that general path.
 */
export function canonicalJson(value: unknown): string {
  try {
    return writePlain(value) as string;
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return JSON.stringify(value, (_key, inner: unknown) =>
      inner && typeof inner === 'object' && !Array.isArray(inner)
        ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => byCodeUnits(a, b)))
        : inner,
    );
  }
}

/**
 * SHA-256 (hex) of a payload's canonical JSON: what an approval binds to, and what an enqueue's
 * audit entry records. One-shot hash(): a third of createHash()'s time for a payload this small.
 */
export function payloadSha256(payload: unknown): string {
  return hash('sha256', canonicalJson(payload));
}
