import type { Measurement } from './measurement';
import { spread, Spread } from './statistics';
import type { WorkloadId } from './settings';
import { GRAPHILE_FILE_FSYNC_ONLY } from './workloads/drain';

/** One line of the table: one system's figures for one metric, and AOL's ratio against it. */
export interface TableRow {
  workload: WorkloadId;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  system: string;
  isAol: boolean;
  figures: Spread | null;
  /** AOL / this system, computed within each repetition, then summarised. Null for AOL itself. */
  ratio: Spread | null;
  notes: string[];
}

/**
 * For each repetition both have a figure of: `mine`'s figure divided by `theirs`'s. Where a
 * workload has several AOL rows, `mine` holds the first one's of each repetition.
 */
function repetitionRatios(mine: readonly Measurement[], theirs: readonly Measurement[]): number[] {
  return theirs.flatMap((peer) => {
    const own = mine.find((measurement) => measurement.repetition === peer.repetition);
    return own?.value !== null && own?.value !== undefined && peer.value ? [own.value / peer.value] : [];
  });
}

export function tabulate(measurements: readonly Measurement[]): TableRow[] {
  const rows: TableRow[] = [];
  const groups = new Map<string, Measurement[]>();
  for (const measurement of measurements) {
    const key = `${measurement.workload}\u0000${measurement.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), measurement]);
  }
  for (const group of groups.values()) {
    const systems = [...new Set(group.map((measurement) => measurement.system))];
    const aol = group.filter((measurement) => measurement.isAol);
    for (const system of systems) {
      const own = group.filter((measurement) => measurement.system === system);
      const values = own.map((measurement) => measurement.value).filter((value): value is number => value !== null);
      const ratios = own[0].isAol ? [] : repetitionRatios(aol, own);
      rows.push({
        workload: own[0].workload,
        metric: own[0].metric,
        unit: own[0].unit,
        better: own[0].better,
        system,
        isAol: own[0].isAol,
        figures: values.length > 0 ? spread(values) : null,
        ratio: ratios.length > 0 ? spread(ratios) : null,
        notes: [...new Set(own.map((measurement) => measurement.note).filter((note): note is string => note !== undefined))],
      });
    }
  }
  return rows;
}

function figure(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(0);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 10) return value.toFixed(2);
  return value.toFixed(3);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The table printed at the end of a run (medians, min–max, AOL / peer). */
export function renderTable(rows: readonly TableRow[], repeats: number): string {
  const header = ['workload', 'metric', 'system', `median (n≤${repeats})`, 'min – max', 'AOL / system (median, min – max)'];
  const lines = rows.map((row) => [
    row.workload,
    `${row.metric} [${row.unit}, ${row.better} is better]`,
    row.system,
    row.figures ? figure(row.figures.median) : (row.notes[0] ?? 'n/a'),
    row.figures ? `${figure(row.figures.min)} – ${figure(row.figures.max)}` : '',
    row.ratio ? `${row.ratio.median.toFixed(2)}× (${row.ratio.min.toFixed(2)} – ${row.ratio.max.toFixed(2)})` : '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const render = (cells: string[]) => cells.map((cell, column) => pad(cell, widths[column])).join(' | ');
  return [render(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...lines.map(render)].join('\n');
}

export interface TargetVerdict {
  workload: WorkloadId;
  target: string;
  status: 'met' | 'missed' | 'not measured';
  evidence: string;
}

function row(rows: readonly TableRow[], workload: WorkloadId, metric: string, system: string): TableRow | undefined {
  return rows.find((candidate) => candidate.workload === workload && candidate.metric === metric && candidate.system === system);
}

function verdict(
  workload: WorkloadId,
  target: string,
  observed: number | null | undefined,
  passes: (value: number) => boolean,
  describe: (value: number) => string,
): TargetVerdict {
  if (observed === null || observed === undefined || !Number.isFinite(observed))
    return { workload, target, status: 'not measured', evidence: 'no figure' };
  return { workload, target, status: passes(observed) ? 'met' : 'missed', evidence: describe(observed) };
}

/** The median over repetitions of `system`'s figure divided by `peer`'s in the same repetition (a second AOL row's ratio). */
function sameRepetitionRatio(
  measurements: readonly Measurement[],
  workload: WorkloadId,
  metric: string,
  system: string,
  peer: string,
): number | undefined {
  const of = (name: string) => measurements.filter((m) => m.workload === workload && m.metric === metric && m.system === name);
  const ratios = repetitionRatios(of(system), of(peer));
  return ratios.length > 0 ? spread(ratios).median : undefined;
}

/**
 * The performance issues' targets, judged on medians (of values or of same-repetition ratios):
 * the flowing drain's (W1 against both graphile-worker rows, W2, W3 bulk, W4 over graphql-ws
 * and over HTTP) and the earlier ones it keeps (W1 against pg-boss and the baseline, W3 single,
 * W4 p99, W5, W6).
 */
export function judgeTargets(rows: readonly TableRow[], measurements: readonly Measurement[]): TargetVerdict[] {
  const ratio = (workload: WorkloadId, metric: string, system: string) => row(rows, workload, metric, system)?.ratio?.median;
  const value = (workload: WorkloadId, metric: string, system: string) => row(rows, workload, metric, system)?.figures?.median;
  const times = (value: number) => `median ratio ${value.toFixed(2)}×`;
  const w4p50 = (transport: string, system: string, bound: number) =>
    verdict(
      'W4',
      `p50 over ${transport} ≤ ${bound === 1 ? '' : `${bound}× `}graphile-worker's p50`,
      sameRepetitionRatio(measurements, 'W4', 'enqueue→start p50', system, 'graphile-worker'),
      (v) => v <= bound,
      times,
    );
  return [
    verdict('W1', 'AOL ≥ 1.2× graphile-worker', ratio('W1', 'drain', 'graphile-worker'), (v) => v >= 1.2, times),
    verdict('W1', 'AOL ≥ 1.0× graphile-worker, file fsync only', ratio('W1', 'drain', GRAPHILE_FILE_FSYNC_ONLY), (v) => v >= 1.0, times),
    verdict('W1', 'AOL ≥ 1.2× pg-boss', ratio('W1', 'drain', 'pg-boss'), (v) => v >= 1.2, times),
    verdict('W1', 'AOL ≥ 0.8× baseline', ratio('W1', 'drain', 'baseline'), (v) => v >= 0.8, times),
    verdict('W2', 'AOL ≥ 1.0× graphile-worker, log rows written', ratio('W2', 'drain', 'graphile-worker'), (v) => v >= 1.0, times),
    verdict('W3', "bulk ≥ 1.0× graphile-worker's addJobs", ratio('W3', 'bulk enqueue', 'graphile-worker addJobs'), (v) => v >= 1.0, times),
    verdict(
      'W3',
      "single over HTTP ≥ 1.0× pg-boss's in-process send",
      ratio('W3', 'single enqueue', 'pg-boss send'),
      (v) => v >= 1.0,
      times,
    ),
    w4p50('graphql-ws', 'AOL (graphql-ws)', 1.0),
    w4p50('HTTP', 'AOL', 1.2),
    verdict(
      'W4',
      'p99 ≤ 20 ms',
      value('W4', 'enqueue→start p99', 'AOL'),
      (v) => v <= 20,
      (v) => `median p99 ${v.toFixed(2)} ms`,
    ),
    verdict(
      'W5',
      '≤ 3 statements per idle tick',
      value('W5', 'statements per idle tick (default config)', 'AOL'),
      (v) => v <= 3,
      (v) => `${v.toFixed(2)} statements`,
    ),
    verdict(
      'W5',
      'idle RSS ≤ 150 MB',
      value('W5', 'idle RSS (default config)', 'AOL'),
      (v) => v <= 150,
      (v) => `${v.toFixed(1)} MB`,
    ),
    verdict(
      'W6',
      'autonomyStatus p50 ≤ 20 ms at 1M rows',
      value('W6', 'autonomyStatus p50', 'AOL'),
      (v) => v <= 20,
      (v) => `${v.toFixed(2)} ms`,
    ),
    verdict(
      'W6',
      'actions(filter: DLQ, first: 20) p50 ≤ 20 ms at 1M rows',
      value('W6', 'actions(DLQ, first 20) p50', 'AOL'),
      (v) => v <= 20,
      (v) => `${v.toFixed(2)} ms`,
    ),
  ];
}

export function renderTargets(verdicts: readonly TargetVerdict[]): string {
  return verdicts
    .map((item) => `${item.workload}  ${pad(item.status.toUpperCase(), 12)} ${pad(item.target, 58)} ${item.evidence}`)
    .join('\n');
}
