import type { Scenario } from './scenario';

export interface TableSnapshot {
  actions: Array<Record<string, unknown>>;
  logs: Array<Record<string, unknown>>;
  lease: Array<Record<string, unknown>>;
  ticks: Array<Record<string, unknown>>;
  flags: Array<Record<string, unknown>>;
  events: Array<Record<string, unknown>>;
}

/** Every row of the five tables (and the control events), for a before/after comparison. */
export async function snapshotTables(scenario: Scenario): Promise<TableSnapshot> {
  const all = (table: string) => scenario.sql(`select * from ${table} order by 1`);
  const [actions, logs, lease, ticks, flags, events] = await Promise.all(
    ['aol_actions', 'aol_execution_logs', 'aol_lease', 'aol_tick_ledger', 'aol_control_flags', 'aol_control_events'].map(all),
  );
  return { actions, logs, lease, ticks, flags, events };
}

/**
 * What changed between two snapshots, row by row. `allowTick(before, after)` may excuse a
 * ledger row's change (a stale leader closing the record of its own interrupted tick).
 */
export function diffTables(
  before: TableSnapshot,
  after: TableSnapshot,
  allowTick: (before: Record<string, unknown> | undefined, after: Record<string, unknown>) => boolean = () => false,
): unknown[] {
  const changes: unknown[] = [];
  for (const table of Object.keys(before) as Array<keyof TableSnapshot>) {
    const old = new Map(before[table].map((row) => [JSON.stringify(row.id ?? row.name ?? row), row]));
    const seen = new Set<string>();
    for (const row of after[table]) {
      const id = JSON.stringify(row.id ?? row.name ?? row);
      seen.add(id);
      const previous = old.get(id);
      if (previous && JSON.stringify(previous) === JSON.stringify(row)) continue;
      if (table === 'ticks' && allowTick(previous, row)) continue;
      changes.push({ table, before: previous ?? null, after: row });
    }
    for (const [id, row] of old) if (!seen.has(id)) changes.push({ table, before: row, after: null });
  }
  return changes;
}
