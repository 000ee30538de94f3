import { DRIVERS } from './support/test-database';
import { TestApp, useFreshDatabase } from './support/test-app';
import { abandon, enqueuePost, getAction, ledgerRows, logRows } from './support/actions';
import { SlowHandler, withSocialHandler } from './support/test-handlers';
import { FakeMastodon, realMastodonEnv } from './support/fake-mastodon';
import { waitFor } from './support/processes';
import { LeaseService } from '../src/lease/lease.service';
import { QueueService } from '../src/queue/queue.service';
import { SqlDatabase } from '../src/database/sql-database';
import { ExecutionMode } from '../src/actions/execution-mode';

describe.each(DRIVERS)('rescue and fencing on %s', (driver) => {
  const fresh = useFreshDatabase(driver);
  let aol: TestApp;

  it('re-runs a PROOF action a dead leader left RUNNING, closing the abandoned attempt and tick', async () => {
    aol = await fresh.start();
    const action = await enqueuePost(aol, 'orphan-proof');
    await abandon(aol, action.id, 'PROOF');

    const report = await aol.tick();
    expect(report).toMatchObject({ outcome: 'SUCCESS', attempted: 1, succeeded: 1 });
    expect(await getAction(aol, action.id)).toMatchObject({ status: 'SUCCESS', attempts: 2 });
    expect(
      Number((await aol.sql<{ rescues: unknown }>('select rescues from aol_actions where id = ?', [Number(action.id)]))[0].rescues),
    ).toBe(1);
    expect((await logRows(aol, action.id)).map((log) => [Number(log.attempt), log.outcome, log.error_code])).toEqual([
      [1, 'ABANDONED', 'ABANDONED'],
      [2, 'SUCCESS', null],
    ]);
    const ticks = await ledgerRows(aol);
    expect(ticks[0]).toMatchObject({ owner: 'dead-leader', outcome: 'ERROR', note: expect.stringMatching(/^abandoned/) });
  });

  it('parks a REAL action whose adapter is not idempotent as NEEDS_REVIEW (OUTCOME_UNKNOWN), never re-running it', async () => {
    const sink = await FakeMastodon.start({ token: 'sink-token-0123456789', idempotent: false });
    try {
      aol = await fresh.start({
        env: realMastodonEnv(sink.url, 'sink-token-0123456789', { AOL_MASTODON_IDEMPOTENT: '0' }),
      });
      await aol.graphql('mutation { setProofMode(enabled: false, reason: "live") { proofMode } }');
      const action = await enqueuePost(aol, 'orphan-real');
      await abandon(aol, action.id, 'REAL');

      expect((await aol.tick()).attempted).toBe(0);
      expect(await getAction(aol, action.id)).toMatchObject({ status: 'NEEDS_REVIEW', lastErrorCode: 'OUTCOME_UNKNOWN', attempts: 1 });
      expect((await aol.tick()).attempted).toBe(0);
      expect(sink.statusRequests).toHaveLength(0);
      expect((await logRows(aol, action.id)).map((log) => [log.mode, log.outcome, log.error_code])).toEqual([
        ['REAL', 'ABANDONED', 'OUTCOME_UNKNOWN'],
      ]);

      const retried = await aol.graphql('mutation($id: ID!) { retryAction(id: $id, reason: "checked: it was not posted") { status } }', {
        id: action.id,
      });
      expect(retried.data).toEqual({ retryAction: { status: 'PENDING' } });
      expect(await aol.tick()).toMatchObject({ succeeded: 1 });
      expect(sink.statuses).toHaveLength(1);
    } finally {
      await sink.close();
    }
  });

  it('re-runs a REAL action through an idempotent adapter: one post on the remote side', async () => {
    const sink = await FakeMastodon.start({ token: 'sink-token-0123456789' });
    try {
      aol = await fresh.start({
        env: realMastodonEnv(sink.url, 'sink-token-0123456789'),
      });
      await aol.graphql('mutation { setProofMode(enabled: false, reason: "live") { proofMode } }');
      const action = await enqueuePost(aol, 'orphan-idempotent');
      await aol.tick(); // posts it once…
      await aol.sql(`update aol_actions set status = 'RUNNING', claim_epoch = 0, claim_mode = 'REAL' where id = ?`, [Number(action.id)]);
      await aol.close(); // …then its leader "dies" before recording, and a new one starts
      aol = await fresh.start({
        env: realMastodonEnv(sink.url, 'sink-token-0123456789'),
      });
      expect(await aol.tick()).toMatchObject({ succeeded: 1 });
      expect(await getAction(aol, action.id)).toMatchObject({ status: 'SUCCESS' });
      expect(sink.statusRequests).toHaveLength(2);
      expect(sink.statuses).toHaveLength(1);
    } finally {
      await sink.close();
    }
  });

  it('parks an action rescued too often as NEEDS_REVIEW (RESCUED_TOO_OFTEN)', async () => {
    aol = await fresh.start();
    const action = await enqueuePost(aol, 'orphan-again');
    await abandon(aol, action.id, 'PROOF', 3);
    expect((await aol.tick()).attempted).toBe(0);
    expect(await getAction(aol, action.id)).toMatchObject({ status: 'NEEDS_REVIEW', lastErrorCode: 'RESCUED_TOO_OFTEN' });
  });

  it("refuses every write from a leader whose epoch is no longer the lease's", async () => {
    aol = await fresh.start();
    const action = await enqueuePost(aol, 'fenced');
    const leases = aol.app.get(LeaseService);
    const queue = aol.app.get(QueueService);
    const grant = (await leases.acquireOrRenew('old-leader', null))!;
    const staleFence = leases.fence('old-leader', grant.epoch);
    const [claimed] = await queue.claimDue({ fence: staleFence, limit: 1, mode: ExecutionMode.PROOF });
    expect(claimed.id).toBe(Number(action.id));

    // The lease expires and another instance takes over with a higher epoch.
    const past = driver === 'postgresql' ? "now() - interval '1 second'" : "cast(round(unixepoch('subsec') * 1000) as integer) - 1000";
    await aol.sql(`update aol_lease set expires_at = ${past}`);
    const next = (await leases.acquireOrRenew('new-leader', null))!;
    expect(next.epoch).toBe(grant.epoch + 1);

    const before = await aol.sql('select status, attempts, artifact_ref, last_error from aol_actions');
    const sql = aol.app.get(SqlDatabase);
    expect(
      await queue.recordOutcomes([{ action: claimed, result: { artifactRef: 'x.json', artifactSha256: 'f'.repeat(64) } }], staleFence, sql),
    ).toEqual([]);
    expect(
      await queue.recordOutcomes([{ action: claimed, failure: { code: 'LATE', message: 'late', retryable: true } }], staleFence, sql),
    ).toEqual([]);
    expect(await queue.releaseUnstarted([claimed.id], staleFence, { claimEpoch: grant.epoch })).toEqual([]);
    expect(await queue.markStarted([claimed.id], staleFence)).toEqual(new Set());
    expect(await queue.claimDue({ fence: staleFence, limit: 10, mode: ExecutionMode.PROOF })).toEqual([]);
    expect(await aol.sql('select status, attempts, artifact_ref, last_error from aol_actions')).toEqual(before);
    expect(await leases.acquireOrRenew('old-leader', grant.epoch)).toBeNull();
  });

  it('on shutdown finishes the action in flight, returns the rest unstarted, and releases the lease', async () => {
    let handler: SlowHandler | undefined;
    aol = await fresh.start({ override: withSocialHandler((real) => (handler = new SlowHandler(real, 400))) });
    const actions = [await enqueuePost(aol, 'stop-1'), await enqueuePost(aol, 'stop-2'), await enqueuePost(aol, 'stop-3')];
    const tick = aol.tick();
    await waitFor(async () => (handler!.started === 1 ? true : undefined), 10_000, 'the first action to start');
    await aol.close();
    expect(await tick).toMatchObject({ attempted: 1, succeeded: 1 });
    expect(handler!.started).toBe(1);
    const rows = await (async () => {
      aol = await fresh.start({ env: { AOL_MIGRATE_ON_START: '0' } });
      return Promise.all(actions.map((action) => getAction(aol, action.id)));
    })();
    expect(rows.map((row) => [row.status, row.attempts])).toEqual([
      ['SUCCESS', 1],
      ['PENDING', 0],
      ['PENDING', 0],
    ]);
    expect(await aol.sql('select owner from aol_lease')).toEqual([{ owner: null }]);
    expect((await ledgerRows(aol)).map((row) => [row.outcome, row.note])).toEqual([
      ['SUCCESS', 'shutting down; 2 claimed action(s) returned unstarted'],
    ]);
  });
});
