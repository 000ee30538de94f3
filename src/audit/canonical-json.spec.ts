import { canonicalJson } from './canonical-json';

/** The definition canonicalJson must keep to, byte for byte: entries already in the chain were hashed by it. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** A deterministic generator of JSON-ish values with awkward keys and strings. */
function randomValue(seed: { n: number }, depth: number): unknown {
  const next = () => (seed.n = (seed.n * 1103515245 + 12345) % 2147483648) / 2147483648;
  const keys = [
    'a',
    'B',
    'b',
    '10',
    '9',
    '0',
    '01',
    '-1',
    '1.5',
    '4294967294',
    '4294967295',
    '__proto__',
    'é',
    '😀',
    '',
    'toString',
    'x"y',
    'line\nbreak',
  ];
  const strings = ['', 'plain', 'quote " and \\ backslash', '\u0000\u001f\u2028', '\ud800 lone', 'emoji 😀', 'é'];
  const pick = next();
  if (depth <= 0 || pick < 0.35) {
    const scalars = [null, true, false, 0, -0, 1.5, -42, 1e21, Number.NaN, undefined, strings[Math.floor(next() * strings.length)]];
    return scalars[Math.floor(next() * scalars.length)];
  }
  if (pick < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(seed, depth - 1));
  const entries = Array.from({ length: Math.floor(next() * 6) }, () => [
    keys[Math.floor(next() * keys.length)],
    randomValue(seed, depth - 1),
  ]);
  return JSON.parse(JSON.stringify(Object.fromEntries(entries))) as unknown;
}

describe('canonicalJson', () => {
  it('is the same whatever the key order, at every depth, and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('writes exactly what the replacer-based definition writes, for plain data and for anything else', () => {
    const seed = { n: 20261209 };
    for (let index = 0; index < 3000; index += 1) {
      const value = randomValue(seed, 4);
      expect(canonicalJson(value)).toBe(reference(value));
    }
    const awkward: unknown[] = [
      { 10: 'a', 9: 'b', b: 1, a: 2, 4294967295: 'c', 4294967294: 'd', '01': 'e' },
      { when: new Date(Date.UTC(2026, 11, 9)), nested: { at: new Date(0), list: [new Date(1), undefined, () => 1] } },
      { boxed: new String('x'), number: new Number(3) },
      { custom: { toJSON: () => ({ z: 1, y: 2 }) } },
      Object.assign(Object.create(null) as object, { b: 1, a: 2 }),
      [undefined, Symbol('s'), { skip: undefined, keep: null }],
      'text',
      42,
      null,
      undefined,
    ];
    for (const value of awkward) expect(canonicalJson(value)).toBe(reference(value));
    expect(() => canonicalJson({ big: BigInt(1) })).toThrow(TypeError);
  });
});
