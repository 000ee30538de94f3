import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DRIVERS } from './support/test-database';
import { TestApp, useFreshDatabase } from './support/test-app';
import { ENQUEUE_ACTIONS, enqueuePost, getAction, ledgerRows, logRows, makeDue } from './support/actions';
import { ExplodingHandler, SlowHandler, StuckHandler, withSocialHandler } from './support/test-handlers';
import { LeaseService } from '../src/lease/lease.service';
import { TickService } from '../src/orchestrator/tick.service';

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe.each(DRIVERS)('the tick on %s', (driver) => {
  const fresh = useFreshDatabase(driver);
  let aol: TestApp;

  it('runs a POST_SOCIAL action in PROOF mode: SUCCESS, an artifact whose SHA-256 is on the action and its log row', async () => {
    aol = await fresh.start();
    const key = '../../escape/attempt';
    const enqueued = await enqueuePost(aol, key, 'Launch day!');
    expect(enqueued).toMatchObject({ status: 'PENDING', attempts: 0, artifactRef: null });

    const report = await aol.tick();
    expect(report).toMatchObject({ outcome: 'SUCCESS', attempted: 1, succeeded: 1, failed: 0 });

    const action = await getAction(aol, enqueued.id);
    expect(action).toMatchObject({ status: 'SUCCESS', attempts: 1, lastError: null });
    expect(action.artifactRef).toMatch(new RegExp(`^social/action-${enqueued.id}-[0-9a-f]{12}\\.json$`));
    expect(action.artifactRef).not.toContain('escape');

    const bytes = await readFile(join(aol.artifactDir, action.artifactRef!));
    expect(sha256(bytes)).toBe(action.artifactSha256);
    expect(JSON.parse(bytes.toString())).toEqual({
      actionId: Number(enqueued.id),
      type: 'POST_SOCIAL',
      idempotencyKey: key,
      post: { platform: 'mastodon', text: 'Launch day!' },
      mode: 'PROOF',
    });

    const logs = await logRows(aol, enqueued.id);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      mode: 'PROOF',
      outcome: 'SUCCESS',
      artifact_ref: action.artifactRef,
      artifact_sha256: action.artifactSha256,
      error: null,
    });
    expect(Number(logs[0].attempt)).toBe(1);
    expect(Number(logs[0].tick_id)).toBe(Number(report.tick!.id));
  });

  it('records PAUSED and runs nothing while paused, then runs again once resumed', async () => {
    aol = await fresh.start();
    const action = await enqueuePost(aol, 'paused-1');
    const paused = await aol.graphql('mutation { pause(reason: "maintenance") { paused reason updatedBy } }');
    expect(paused.data).toEqual({ pause: { paused: true, reason: 'maintenance', updatedBy: 'anonymous' } });

    expect((await aol.tick()).outcome).toBe('PAUSED');
    expect((await getAction(aol, action.id)).status).toBe('PENDING');
    expect((await ledgerRows(aol)).map((row) => [row.outcome, row.note])).toEqual([['PAUSED', 'maintenance']]);

    await aol.graphql('mutation { resume(reason: "done") { paused } }');
    expect((await aol.tick()).outcome).toBe('SUCCESS');
    expect((await getAction(aol, action.id)).status).toBe('SUCCESS');
  });

  it("keeps each switch's own reason: a proof-mode change after a pause leaves the pause's reason on the flags and the PAUSED ticks", async () => {
    aol = await fresh.start({ env: { AOL_PROOF_MODE: '0', AOL_APPROVAL: 'none' } });
    await aol.graphql('mutation { pause(reason: "loading a batch") { paused } }', undefined, { 'x-aol-actor': 'alice' });
    await aol.graphql('mutation { setProofMode(enabled: false, reason: "go live") { proofMode } }', undefined, { 'x-aol-actor': 'bob' });
    expect((await aol.tick()).outcome).toBe('PAUSED');
    expect((await ledgerRows(aol)).map((row) => [row.outcome, row.note])).toEqual([['PAUSED', 'loading a batch']]);

    const flags = await aol.graphql(
      '{ controlFlags { paused proofMode reason updatedBy pausedReason pausedBy pausedAt killedReason killedBy killedAt proofModeReason proofModeBy proofModeAt } }',
    );
    expect(flags.data!.controlFlags).toMatchObject({
      paused: true,
      proofMode: false,
      reason: 'go live',
      updatedBy: 'anonymous:bob',
      pausedReason: 'loading a batch',
      pausedBy: 'anonymous:alice',
      killedReason: null,
      killedBy: null,
      killedAt: null,
      proofModeReason: 'go live',
      proofModeBy: 'anonymous:bob',
    });
    expect(Date.parse(flags.data!.controlFlags.pausedAt)).toBeLessThanOrEqual(Date.parse(flags.data!.controlFlags.proofModeAt));

    // The last change, whichever switch it was, is still the flags' reason; resuming sets the pause switch's own.
    const resumed = await aol.graphql('mutation { resume(reason: "batch loaded") { paused reason pausedReason proofModeReason } }');
    expect(resumed.data).toEqual({
      resume: { paused: false, reason: 'batch loaded', pausedReason: 'batch loaded', proofModeReason: 'go live' },
    });
  });

  it('when killed records KILLED, releases the lease, runs nothing, and stays killed across a restart until revived', async () => {
    aol = await fresh.start();
    expect((await aol.tick()).outcome).toBe('SUCCESS'); // takes the lease
    const action = await enqueuePost(aol, 'killed-1');
    const killed = await aol.graphql('mutation { kill(reason: "runaway posts") { killed } }');
    expect(killed.data).toEqual({ kill: { killed: true } });

    const report = await aol.tick();
    expect(report.outcome).toBe('KILLED');
    expect((await ledgerRows(aol)).map((row) => row.outcome)).toEqual(['SUCCESS', 'KILLED']);
    expect(await aol.sql('select owner from aol_lease')).toEqual([{ owner: null }]);
    expect((await getAction(aol, action.id)).status).toBe('PENDING');

    await aol.close();
    aol = await fresh.start();
    expect((await aol.tick()).outcome).toBe('KILLED');
    expect((await aol.tick()).outcome).toBe('KILLED');
    expect(await aol.sql('select owner from aol_lease')).toEqual([{ owner: null }]);
    expect((await getAction(aol, action.id)).status).toBe('PENDING');
    const status = await aol.graphql('{ autonomyStatus { flags { killed reason } lease { owner } } }');
    expect(status.data).toEqual({ autonomyStatus: { flags: { killed: true, reason: 'runaway posts' }, lease: { owner: null } } });

    await aol.graphql('mutation { revive(reason: "fixed") { killed } }');
    expect(await aol.tick()).toMatchObject({ outcome: 'SUCCESS', succeeded: 1 });
    expect((await getAction(aol, action.id)).status).toBe('SUCCESS');
    const epochs = (await ledgerRows(aol)).map((row) => Number(row.epoch));
    expect(epochs[epochs.length - 1]).toBeGreaterThan(epochs[0]);
  });

  it('isolates a throwing adapter: that action goes RETRY with a later run_after, the others succeed; after 4 attempts it is in DLQ with 4 log rows', async () => {
    let handler: ExplodingHandler | undefined;
    aol = await fresh.start({
      env: { AOL_RETRY_BASE_SECONDS: '60' },
      override: withSocialHandler((real) => (handler = new ExplodingHandler(real, 'explode'))),
    });
    const bad = await enqueuePost(aol, 'bad', 'please explode');
    const good1 = await enqueuePost(aol, 'good-1');
    const good2 = await enqueuePost(aol, 'good-2');

    const first = await aol.tick();
    expect(first).toMatchObject({ outcome: 'PARTIAL', attempted: 3, succeeded: 2, failed: 1, retried: 1, deadLettered: 0 });
    expect((await getAction(aol, good1.id)).status).toBe('SUCCESS');
    expect((await getAction(aol, good2.id)).status).toBe('SUCCESS');
    const retrying = await getAction(aol, bad.id);
    expect(retrying).toMatchObject({
      status: 'RETRY',
      attempts: 1,
      lastErrorCode: 'ACTION_FAILED',
      lastError: 'adapter exploded on attempt 1',
    });
    // The first backoff (60 s) less its jitter (at most 20 %).
    expect(new Date(retrying.runAfter).getTime()).toBeGreaterThan(Date.now() + 45_000);

    expect((await aol.tick()).attempted).toBe(0); // not due yet
    for (const attempt of [2, 3, 4]) {
      await makeDue(aol, bad.id);
      expect(await aol.tick()).toMatchObject({ attempted: 1, failed: 1 });
      expect((await getAction(aol, bad.id)).attempts).toBe(attempt);
    }
    const dead = await getAction(aol, bad.id);
    expect(dead).toMatchObject({ status: 'DLQ', attempts: 4, lastError: 'adapter exploded on attempt 4' });
    expect((await ledgerRows(aol)).slice(-1)[0]).toMatchObject({ outcome: 'PARTIAL', note: null });
    expect(Number((await ledgerRows(aol)).slice(-1)[0].dead_lettered)).toBe(1);

    await makeDue(aol, bad.id);
    expect((await aol.tick()).attempted).toBe(0); // DLQ is final
    const logs = await logRows(aol, bad.id);
    expect(logs.map((log) => [Number(log.attempt), log.outcome, log.error_code])).toEqual([
      [1, 'FAILED', 'ACTION_FAILED'],
      [2, 'FAILED', 'ACTION_FAILED'],
      [3, 'FAILED', 'ACTION_FAILED'],
      [4, 'FAILED', 'ACTION_FAILED'],
    ]);
    expect(handler!.calls).toBe(6);
  });

  it('records a failure whose message holds a NUL character, as a remote error text may: RETRY, the character replaced', async () => {
    aol = await fresh.start({
      env: { AOL_RETRY_BASE_SECONDS: '60' },
      override: withSocialHandler((real) => new ExplodingHandler(real, 'explode', ': server said "a\u0000b"')),
    });
    const bad = await enqueuePost(aol, 'nul-error', 'please explode');
    expect(await aol.tick()).toMatchObject({ outcome: 'PARTIAL', attempted: 1, failed: 1, retried: 1 });
    expect(await getAction(aol, bad.id)).toMatchObject({
      status: 'RETRY',
      lastError: 'adapter exploded on attempt 1: server said "a\uFFFDb"',
    });
    expect((await logRows(aol, bad.id)).map((log) => log.error)).toEqual(['adapter exploded on attempt 1: server said "a\uFFFDb"']);
  });

  it('claims at most AOL_MAX_ACTIONS_PER_TICK actions, oldest first', async () => {
    aol = await fresh.start({ env: { AOL_MAX_ACTIONS_PER_TICK: '2' } });
    const actions = [];
    for (let i = 0; i < 5; i += 1) actions.push(await enqueuePost(aol, `cap-${i}`));
    expect(await aol.tick()).toMatchObject({ attempted: 2, succeeded: 2 });
    const statuses = await Promise.all(actions.map(async (action) => (await getAction(aol, action.id)).status));
    expect(statuses).toEqual(['SUCCESS', 'SUCCESS', 'PENDING', 'PENDING', 'PENDING']);
  });

  it('starts no action once the tick has run AOL_MAX_TICK_SECONDS, leaving the rest PENDING with attempts unchanged', async () => {
    let handler: SlowHandler | undefined;
    aol = await fresh.start({
      env: { AOL_MAX_TICK_SECONDS: '1', AOL_MAX_ACTIONS_PER_TICK: '3' },
      override: withSocialHandler((real) => (handler = new SlowHandler(real, 1200))),
    });
    const actions = [await enqueuePost(aol, 'slow-1'), await enqueuePost(aol, 'slow-2'), await enqueuePost(aol, 'slow-3')];

    const report = await aol.tick();
    expect(report).toMatchObject({ outcome: 'SUCCESS', attempted: 1, succeeded: 1 });
    expect(report.tick!.note).toMatch(/tick budget of 1s used; 2 claimed action\(s\) returned unstarted/);
    expect(handler!.started).toBe(1);
    const after = await Promise.all(actions.map((action) => getAction(aol, action.id)));
    expect(after.map((action) => [action.status, action.attempts, action.claimEpoch])).toEqual([
      ['SUCCESS', 1, expect.any(Number)],
      ['PENDING', 0, null],
      ['PENDING', 0, null],
    ]);
  });

  it('ends an attempt that outlasts AOL_ACTION_TIMEOUT_SECONDS: its handler’s signal aborts, TIMED_OUT on record, RETRY with ACTION_TIMEOUT', async () => {
    let handler: StuckHandler | undefined;
    aol = await fresh.start({
      env: { AOL_ACTION_TIMEOUT_SECONDS: '1' },
      override: withSocialHandler((real) => (handler = new StuckHandler(real))),
    });
    const action = await enqueuePost(aol, 'stuck-1');

    const report = await aol.tick();
    expect(report).toMatchObject({ outcome: 'PARTIAL', attempted: 1, succeeded: 0, failed: 1, retried: 1 });
    expect(handler!.abortedAfterMs).toHaveLength(1);
    expect(handler!.abortedAfterMs[0]).toBeGreaterThanOrEqual(990);
    expect(await getAction(aol, action.id)).toMatchObject({
      status: 'RETRY',
      attempts: 1,
      lastErrorCode: 'ACTION_TIMEOUT',
      lastError: 'No result within 1s',
    });
    const logs = await logRows(aol, action.id);
    expect(logs.map((log) => [log.outcome, log.error_code, log.error])).toEqual([['TIMED_OUT', 'ACTION_TIMEOUT', 'No result within 1s']]);
  });

  it('fails REAL mode with nothing configured as REAL_RUN_UNCONFIGURED: one attempt, DLQ, nothing written or sent', async () => {
    aol = await fresh.start({ env: { AOL_PROOF_MODE: '0', AOL_APPROVAL: 'none' } });
    const off = await aol.graphql('mutation { setProofMode(enabled: false, reason: "go live") { proofMode } }');
    expect(off.data).toEqual({ setProofMode: { proofMode: false } });
    const status = await aol.graphql<{ autonomyStatus: { mode: string } }>('{ autonomyStatus { mode } }');
    expect(status.data!.autonomyStatus.mode).toBe('REAL');

    const action = await enqueuePost(aol, 'real-1');
    expect(await aol.tick()).toMatchObject({ attempted: 1, failed: 1, deadLettered: 1, retried: 0 });
    const dead = await getAction(aol, action.id);
    expect(dead).toMatchObject({ status: 'DLQ', attempts: 1, lastErrorCode: 'REAL_RUN_UNCONFIGURED', artifactRef: null });
    expect((await logRows(aol, action.id)).map((log) => [log.mode, log.outcome, log.error_code])).toEqual([
      ['REAL', 'FAILED', 'REAL_RUN_UNCONFIGURED'],
    ]);
    // Start-up made the folder (it checks that a file can be written there); nothing is in it.
    expect(await readdir(aol.artifactDir)).toEqual([]);
  });

  // A leader with nothing to take back renews, reads the switchboard and claims in one
  // statement on PostgreSQL, with the mode the switchboard gave last time: these hold it to
  // what the switchboard and the lease say now.
  it('claims with the mode the switchboard asks for now, when the proof switch moved since the last tick', async () => {
    aol = await fresh.start({ env: { AOL_PROOF_MODE: '0', AOL_APPROVAL: 'none' } });
    expect((await aol.tick()).outcome).toBe('SUCCESS'); // leads, and has seen the switch on
    await aol.graphql('mutation { setProofMode(enabled: false, reason: "go live") { proofMode } }');
    const real = await enqueuePost(aol, 'switch-real');
    expect(await aol.tick()).toMatchObject({ attempted: 1, deadLettered: 1 });
    expect(await aol.sql('select claim_mode, last_error_code from aol_actions where id = ?', [real.id])).toEqual([
      { claim_mode: 'REAL', last_error_code: 'REAL_RUN_UNCONFIGURED' },
    ]);

    await aol.graphql('mutation { setProofMode(enabled: true, reason: "back to proof") { proofMode } }');
    const proof = await enqueuePost(aol, 'switch-proof');
    expect(await aol.tick()).toMatchObject({ attempted: 1, succeeded: 1 });
    expect((await logRows(aol, proof.id)).map((log) => [log.mode, log.outcome])).toEqual([['PROOF', 'SUCCESS']]);
  });

  it('claims nothing once another instance has taken the lease between two ticks, and steps down', async () => {
    aol = await fresh.start();
    expect((await aol.tick()).outcome).toBe('SUCCESS');
    const action = await enqueuePost(aol, 'taken-over');
    const past = driver === 'postgresql' ? "now() - interval '1 second'" : "cast(round(unixepoch('subsec') * 1000) as integer) - 1000";
    await aol.sql(`update aol_lease set expires_at = ${past}`);
    expect(await aol.app.get(LeaseService).acquireOrRenew('another-instance', null)).not.toBeNull();

    expect((await aol.tick()).outcome).toBe('NOT_LEADER');
    expect(await getAction(aol, action.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(await aol.sql('select owner from aol_lease')).toEqual([{ owner: 'another-instance' }]);
  });

  it('refuses to leave PROOF mode where the deployment forces it (AOL_PROOF_MODE=1), changing nothing', async () => {
    aol = await fresh.start();
    const response = await aol.graphql('mutation { setProofMode(enabled: false, reason: "go live") { proofMode } }');
    expect(response.errors?.[0].extensions?.code).toBe('REAL_MODE_FORBIDDEN');
    expect(await aol.sql('select reason from aol_control_flags')).toEqual([{ reason: 'initial state' }]);
  });
});

/**
 * The flowing configuration (AOL_DRAIN_CONTINUOUSLY=1): a tick is a period that claims again
 * while its handlers run, instead of a batch that must finish before the next claim.
 */
describe.each(DRIVERS)('the flowing tick on %s', (driver) => {
  const fresh = useFreshDatabase(driver);
  let aol: TestApp;
  let handler: SlowHandler;
  const FLOWING = { AOL_DRAIN_CONTINUOUSLY: '1', AOL_TICK_CONCURRENCY: '2', AOL_MAX_ACTIONS_PER_TICK: '3' };

  async function startFlowing(
    count: number,
    delayMs: number | ((id: number) => number),
    env: Record<string, string> = {},
  ): Promise<number[]> {
    aol = await fresh.start({
      env: { ...FLOWING, ...env },
      override: withSocialHandler((real) => (handler = new SlowHandler(real, delayMs))),
    });
    const inputs = Array.from({ length: count }, (_, i) => ({
      type: 'POST_SOCIAL',
      idempotencyKey: `flow-${i}`,
      payload: { platform: 'mastodon', text: `flow ${i}` },
    }));
    const response = await aol.graphql<{ enqueueActions: Array<{ action: { id: string } }> }>(ENQUEUE_ACTIONS, { inputs });
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data!.enqueueActions.map((entry) => Number(entry.action.id)).sort((a, b) => a - b);
  }

  async function statusCounts(): Promise<Record<string, number>> {
    const rows = await aol.sql<{ status: string; n: unknown }>('select status, count(*) as n from aol_actions group by status');
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  it('keeps its slots full: the next claim runs while the first is still running, and the period is one ledger row with all its counts', async () => {
    // The first claim (a round of the slots: two) holds one short action and one long one. A
    // later claim's action can then start beside the long one only if nothing waits for the whole
    // claim to finish; with equal delays both could finish before the next start on a loaded machine.
    let longId = Number.NaN;
    const ids = await startFlowing(10, (id) => (id === longId ? 1000 : 100));
    longId = ids[1];
    const firstClaim = new Set(ids.slice(0, 2));
    let laterBesideFirst = false;
    handler.onStart = (id, alongside) => {
      if (!firstClaim.has(id) && alongside.some((other) => firstClaim.has(other))) laterBesideFirst = true;
    };

    const report = await aol.tick();
    expect(report).toMatchObject({ outcome: 'SUCCESS', attempted: 10, succeeded: 10, failed: 0 });
    // With a barrier, no action of a later claim could start before the first claim's two had both finished.
    expect(laterBesideFirst).toBe(true);
    expect(handler.started).toBe(10);
    const ledger = await ledgerRows(aol);
    expect(ledger).toHaveLength(1);
    expect(ledger.map((row) => [row.outcome, Number(row.attempted), Number(row.succeeded), row.note])).toEqual([['SUCCESS', 10, 10, null]]);
    const logs = await aol.sql<{ tick_id: unknown; n: unknown }>('select tick_id, count(*) as n from aol_execution_logs group by tick_id');
    expect(logs.map((row) => [Number(row.tick_id), Number(row.n)])).toEqual([[Number(ledger[0].id), 10]]);
    expect(await statusCounts()).toEqual({ SUCCESS: 10 });
  });

  it('claims for one interval per period: the rest waits for the next period, which gets its own row', async () => {
    await startFlowing(12, 150, { AOL_TICK_INTERVAL_MS: '400' });
    const first = await aol.tick();
    expect(first.attempted).toBeGreaterThanOrEqual(3);
    expect(first.attempted).toBeLessThan(12);
    let attempted = first.attempted;
    while (attempted < 12) attempted += (await aol.tick()).attempted;
    expect(attempted).toBe(12);
    const ledger = await ledgerRows(aol);
    expect(ledger.length).toBeGreaterThan(1);
    expect(ledger.reduce((sum, row) => sum + Number(row.attempted), 0)).toBe(12);
    expect(await statusCounts()).toEqual({ SUCCESS: 12 });
  });

  it('stops starting at a pause mid-flow and gives back what it held unstarted', async () => {
    await startFlowing(20, 150);
    let pausing: Promise<unknown> | null = null;
    handler.onStart = () => {
      if (handler.started === 4) pausing = aol.graphql('mutation { pause(reason: "hold on") { paused } }');
    };
    const report = await aol.tick();
    await pausing;
    expect(report.outcome).toBe('SUCCESS');
    expect(report.attempted).toBe(handler.started);
    expect(handler.started).toBeLessThan(20);
    expect(report.tick!.note).toMatch(/paused or killed during the tick; \d+ claimed action\(s\) returned unstarted/);
    const counts = await statusCounts();
    expect(counts).toEqual({ SUCCESS: handler.started, PENDING: 20 - handler.started });
    const untouched = await aol.sql<{ n: unknown }>(
      "select count(*) as n from aol_actions where status = 'PENDING' and attempts = 0 and claim_epoch is null",
    );
    expect(Number(untouched[0].n)).toBe(20 - handler.started);
    expect((await aol.tick()).outcome).toBe('PAUSED');
  });

  it('stops once the lease has moved on mid-flow: no claim, no start beyond the actions it already held, nothing recorded', async () => {
    await startFlowing(20, 150);
    let takingOver: Promise<unknown> | null = null;
    handler.onStart = () => {
      if (handler.started !== 2) return;
      const past = driver === 'postgresql' ? "now() - interval '1 second'" : "cast(round(unixepoch('subsec') * 1000) as integer) - 1000";
      takingOver = aol
        .sql(`update aol_lease set expires_at = ${past}`)
        .then(() => aol.app.get(LeaseService).acquireOrRenew('another-instance', null));
    };
    const report = await aol.tick();
    expect(await takingOver).not.toBeNull();
    expect(report).toMatchObject({ outcome: 'ERROR', succeeded: 0 });
    expect(report.tick?.note ?? '').toMatch(/lease lost/);
    // The two started, and at most the next claim's (made before the lease moved) after them.
    expect(handler.started).toBeLessThanOrEqual(5);
    expect(aol.app.get(TickService).isLeader).toBe(false);
    expect(Number((await aol.sql<{ n: unknown }>('select count(*) as n from aol_execution_logs'))[0].n)).toBe(0);
    const touched = await aol.sql<{ n: unknown }>("select count(*) as n from aol_actions where status <> 'PENDING' or attempts > 0");
    expect(Number(touched[0].n)).toBeLessThanOrEqual(6);
  });
});
