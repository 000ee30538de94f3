import { AuditService } from '../src/audit/audit.service';
import { ENQUEUE_ACTION, enqueuePost, getAction, ledgerRows, logRows, makeDue, type ActionView } from './support/actions';
import { waitFor } from './support/processes';
import { TestApp, useFreshDatabase } from './support/test-app';
import { DRIVERS } from './support/test-database';

/** Wake-up on enqueue, and an interval long enough that only a wake-up or an enqueue starts an action within a test. */
const WAKE_ON_ENQUEUE = { AOL_TICK_ENABLED: '1', AOL_TICK_INTERVAL_MS: '60000', AOL_LEASE_TTL_SECONDS: '120', AOL_WAKE_ON_ENQUEUE: '1' };

async function succeeded(aol: TestApp, id: string): Promise<void> {
  await waitFor(async () => ((await getAction(aol, id)).status === 'SUCCESS' ? true : undefined), 10_000, `action ${id} to succeed`);
}

/** The first action, enqueued to an instance that does not lead yet: its wake-up's tick takes the lease. */
async function leading(aol: TestApp): Promise<void> {
  const first = await enqueuePost(aol, 'first');
  await succeeded(aol, first.id);
}

/**
 * On PostgreSQL an enqueue that finds the leader idle claims what it adds in its own statement
 * (TickService.claimAtInsert): the insert renews the lease, reads the switchboard and goes in
 * RUNNING under the leader's claim, so the action starts after one commit instead of two. On
 * SQLite the enqueue wakes the leader, whose tick claims it, as before.
 */
describe.each(DRIVERS)('an enqueue that finds the leader idle (%s)', (driver) => {
  const fresh = useFreshDatabase(driver);
  const claimsAtInsert = driver === 'postgresql';

  it('is claimed by its own insert on PostgreSQL, runs once, and is on record as any claimed action', async () => {
    const aol = await fresh.start({ env: WAKE_ON_ENQUEUE });
    await leading(aol);
    const action = await enqueuePost(aol, 'second');
    // The answer says what the insert committed.
    expect({ status: action.status, attempts: action.attempts }).toEqual(
      claimsAtInsert ? { status: 'RUNNING', attempts: 1 } : { status: 'PENDING', attempts: 0 },
    );
    await succeeded(aol, action.id);

    const [row] = await aol.sql<{ same_time: unknown; claimed_by: string; claim_epoch: unknown; attempts: unknown }>(
      'select started_at = created_at as same_time, claimed_by, claim_epoch, attempts from aol_actions where id = ?',
      [Number(action.id)],
    );
    // A PROOF claim is its start: claimed by the insert, it started at the insert's own time.
    expect(Boolean(row.same_time)).toBe(claimsAtInsert);
    expect(Number(row.attempts)).toBe(1);
    const [lease] = await aol.sql<{ owner: string; epoch: unknown }>('select owner, epoch from aol_lease');
    expect({ owner: row.claimed_by, epoch: Number(row.claim_epoch) }).toEqual({ owner: lease.owner, epoch: Number(lease.epoch) });

    const logs = await logRows(aol, action.id);
    expect(logs.map((log) => log.outcome)).toEqual(['SUCCESS']);
    // Its tick has its ledger row, counting it alone.
    const tick = (await ledgerRows(aol)).find((ledger) => Number(ledger.id) === Number(logs[0].tick_id));
    expect(tick).toMatchObject({ outcome: 'SUCCESS' });
    expect(Number(tick!.attempted)).toBe(1);
    expect(await aol.app.get(AuditService).verify()).toMatchObject({ intact: true });
  });

  it('claims nothing while another action is due: the tick then takes both, the older among them', async () => {
    const aol = await fresh.start({ env: WAKE_ON_ENQUEUE });
    await leading(aol);
    const later = await aol.graphql<{ enqueueAction: { action: ActionView } }>(ENQUEUE_ACTION, {
      input: {
        type: 'POST_SOCIAL',
        idempotencyKey: 'older',
        payload: { platform: 'mastodon', text: 'older' },
        runAfter: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    const older = later.data!.enqueueAction.action;
    expect(older.status).toBe('PENDING');
    await makeDue(aol, older.id);

    const newer = await enqueuePost(aol, 'newer');
    expect(newer.status).toBe('PENDING');
    await succeeded(aol, newer.id);
    await succeeded(aol, older.id);
    const [olderLog] = await logRows(aol, older.id);
    const [newerLog] = await logRows(aol, newer.id);
    expect(Number(olderLog.tick_id)).toBe(Number(newerLog.tick_id));
  });

  it('claims nothing while paused: the action waits for resume', async () => {
    const aol = await fresh.start({ env: WAKE_ON_ENQUEUE });
    await leading(aol);
    expect((await aol.graphql('mutation { pause(reason: "hold") { paused } }')).errors).toBeUndefined();
    const held = await enqueuePost(aol, 'held');
    expect(held.status).toBe('PENDING');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await getAction(aol, held.id)).status).toBe('PENDING');
    expect((await aol.graphql('mutation { resume(reason: "go") { paused } }')).errors).toBeUndefined();
    await succeeded(aol, held.id);
  });

  it('under 2 clients enqueueing 200 actions in the flowing configuration, runs every action exactly once', async () => {
    const aol = await fresh.start({
      env: { ...WAKE_ON_ENQUEUE, AOL_DRAIN_CONTINUOUSLY: '1', AOL_MAX_ACTIONS_PER_TICK: '1000', AOL_TICK_CONCURRENCY: '16' },
    });
    await leading(aol);
    const keys = Array.from({ length: 200 }, (_, index) => `many-${index}`);
    const enqueued: ActionView[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        for (let index = next++; index < keys.length; index = next++) {
          enqueued.push(await enqueuePost(aol, keys[index]));
          // Now and then the leader is idle when the next arrives: both ways of claiming take part.
          await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 30));
        }
      }),
    );
    expect(new Set(enqueued.map((action) => action.id)).size).toBe(keys.length);
    const claimedByInsert = enqueued.filter((action) => action.status === 'RUNNING').length;
    if (claimsAtInsert) expect(claimedByInsert).toBeGreaterThan(0);
    else expect(claimedByInsert).toBe(0);
    await waitFor(
      async () => {
        const [left] = await aol.sql<{ n: unknown }>(`select count(*) as n from aol_actions where status <> 'SUCCESS'`);
        return Number(left.n) === 0 ? true : undefined;
      },
      30_000,
      'every action to succeed',
    );
    const perAction = await aol.sql<{ attempts: unknown; logs: unknown }>(
      `select a.attempts, (select count(*) from aol_execution_logs l where l.action_id = a.id) as logs from aol_actions a`,
    );
    expect(perAction).toHaveLength(keys.length + 1);
    expect(perAction.every((row) => Number(row.attempts) === 1 && Number(row.logs) === 1)).toBe(true);
    expect(await aol.app.get(AuditService).verify()).toMatchObject({ intact: true });
  });
});
