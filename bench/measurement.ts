import type { BenchSettings, WorkloadId } from './settings';

/** One number from one repetition of one system, or null with a reason when there is none. */
export interface Measurement {
  workload: WorkloadId;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  system: string;
  /** AOL's own rows; the ratios are AOL / every other system of the same metric. */
  isAol: boolean;
  repetition: number;
  value: number | null;
  note?: string;
  details?: Record<string, unknown>;
}

export interface BenchContext {
  settings: BenchSettings;
  /** Progress lines on stderr, so stdout keeps the table. */
  log(line: string): void;
  /** Facts the run learned that the reader must know (fallbacks taken, features absent). */
  note(text: string): void;
  /** Waits for the shared machine to be quiet before a timed section; returns how busy it was (0–1). */
  quiet(): Promise<number>;
}

/** The systems in a different order each repetition, so none always runs first (cold) or last. */
export function rotated<T>(items: readonly T[], repetition: number): T[] {
  const shift = repetition % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
