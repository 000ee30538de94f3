/**
 * The suite's only source of randomness: a seeded PRNG (sfc32), so a failing run can be
 * replayed with AOL_FAULT_SEED=<seed>. Each scenario derives its own stream from the run's
 * seed and its name, so replaying one scenario alone (`-t name`) replays the same moments.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(
    readonly seed: number,
    label = '',
  ) {
    // Mix the label into the seed (FNV-1a), then warm the generator up.
    let h = 0x811c9dc5 ^ seed;
    for (const char of label) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = h >>> 0;
    for (let i = 0; i < 15; i += 1) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/** The run's seed: AOL_FAULT_SEED if given (replay), else the one global setup chose. */
export function runSeed(): number {
  const text = process.env.AOL_FAULT_SEED;
  if (text === undefined || !/^\d+$/.test(text)) throw new Error('AOL_FAULT_SEED is not set: run the suite with `npm run test:faults`');
  return Number(text) >>> 0;
}

export function scenarioRng(name: string): Rng {
  return new Rng(runSeed(), name);
}
