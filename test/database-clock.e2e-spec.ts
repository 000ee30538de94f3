import { DRIVERS } from './support/test-database';
import { useTestApp } from './support/test-app';
import { enqueuePost } from './support/actions';

/** This process's clock, set this far behind the database's: as an instance on a host whose clock is wrong. */
const SKEW_MS = -600_000;
/** How far a stored time may be from the database's clock when the test reads it: the test's own duration. */
const TOLERANCE_MS = 60_000;

/** Every stored time column, by table. */
const TIME_COLUMNS: Record<string, string[]> = {
  aol_tick_ledger: ['started_at', 'finished_at'],
  aol_execution_logs: ['started_at'],
  aol_control_events: ['created_at'],
  aol_control_flags: ['updated_at', 'paused_at'],
  aol_actions: ['created_at', 'updated_at', 'run_after'],
};

describe.each(DRIVERS)('stored times on %s, with the process clock 10 minutes behind', (driver) => {
  const aol = useTestApp(driver);
  const nowMs = driver === 'postgresql' ? '(extract(epoch from statement_timestamp()) * 1000)' : "(unixepoch('subsec') * 1000)";
  const epochMs = (column: string) => (driver === 'postgresql' ? `(extract(epoch from ${column}) * 1000)` : column);
  const secondsAgo = (seconds: number) =>
    driver === 'postgresql'
      ? `now() - interval '${seconds} seconds'`
      : `cast(round(unixepoch('subsec') * 1000) as integer) - ${seconds * 1000}`;

  beforeAll(() => {
    // Only Date is faked, moving on with real time; timers and the monotonic clock stay real.
    jest.useFakeTimers({
      now: Date.now() + SKEW_MS,
      advanceTimers: true,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
  });

  afterAll(() => jest.useRealTimers());

  it('come from the database: ticks, attempts, a rescue, control events and flags', async () => {
    await enqueuePost(aol, 'skewed-1');
    expect((await aol.tick()).outcome).toBe('SUCCESS'); // busy: the tick's row opened and closed, a log row
    expect((await aol.tick()).outcome).toBe('SUCCESS'); // idle: the row written whole

    // A leader that died 5 s (by the database's clock) into an attempt, then a new epoch's rescue.
    const orphan = await enqueuePost(aol, 'skewed-orphan');
    await aol.sql(
      `update aol_actions set status = 'RUNNING', attempts = 1, claimed_by = 'dead-leader', claim_epoch = 0, claim_mode = 'PROOF',
       updated_at = ${secondsAgo(5)}, started_at = ${secondsAgo(5)}
       where id = ?`,
      [Number(orphan.id)],
    );
    await aol.sql(`insert into aol_tick_ledger (owner, epoch, started_at, outcome) values ('dead-leader', 0, ${secondsAgo(5)}, 'RUNNING')`);
    await aol.sql(`update aol_lease set owner = 'dead-leader', epoch = epoch + 1, expires_at = ${secondsAgo(1)}`);
    // A leader that renews and claims in one statement first finds its lease lost, then takes the free one over.
    if ((await aol.tick()).outcome === 'NOT_LEADER') expect((await aol.tick()).outcome).toBe('SUCCESS');
    const [abandoned] = await aol.sql<{ duration_ms: unknown }>(
      "select duration_ms from aol_execution_logs where outcome = 'ABANDONED' and action_id = ?",
      [Number(orphan.id)],
    );
    expect(Number(abandoned.duration_ms)).toBeGreaterThanOrEqual(4900);
    expect(Number(abandoned.duration_ms)).toBeLessThan(TOLERANCE_MS);

    await aol.graphql('mutation { pause(reason: "skew check") { paused } }');
    expect((await aol.tick()).outcome).toBe('PAUSED');

    for (const [table, columns] of Object.entries(TIME_COLUMNS)) {
      for (const column of columns) {
        const rows = await aol.sql<{ n: unknown; off_ms: unknown }>(
          `select count(*) as n, max(abs(${epochMs(column)} - ${nowMs})) as off_ms from ${table} where ${column} is not null`,
        );
        expect([`${table}.${column}`, Number(rows[0].n) > 0, Number(rows[0].off_ms) < TOLERANCE_MS]).toEqual([
          `${table}.${column}`,
          true,
          true,
        ]);
      }
    }
  });
});
