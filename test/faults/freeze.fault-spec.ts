import { GatedSink } from './support/gated-sink';
import { checkInvariants } from './support/invariants';
import { sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST, Scenario, Timing } from './support/scenario';
import { diffTables, snapshotTables } from './support/snapshot';
import { realMastodonEnv } from '../support/fake-mastodon';

const cluster = usePrivateCluster();

/** REAL runs: the Mastodon timeout must fit in the action timeout, and the TTL around both. */
const REAL_TIMING: Timing = { ...FAST, actionTimeoutSeconds: 2, leaseTtlSeconds: 5, maxActionsPerTick: 2 };
const TOKEN = 'fault-suite-token-0123456789';

/**
 * The leader freezes with its remote call in flight (the post made, the answer held). The
 * other instance takes over at a higher epoch and rescues the action: re-run when the sink is
 * idempotent (SUCCESS, one post), parked as NEEDS_REVIEW otherwise (one request). Then, in a
 * quiet window (the new leader frozen briefly, well inside its lease), the old leader wakes
 * with its answer: nothing it writes may change a row, bar closing its own open tick record.
 */
async function freezeMidCall(s: Scenario, sink: GatedSink): Promise<void> {
  const a = await s.spawn(`${s.name}-a`);
  const first = await s.waitForLeader();
  if (first !== a) throw new Error(`expected ${a.id} to lead first, got ${first.id}`);
  const b = await s.spawn(`${s.name}-b`);
  s.sampler.start();
  await s.switchProofModeOff(b);
  const frozenEpoch = (await s.lease()).epoch;

  sink.holdNext(1);
  const [key] = await s.enqueuePosts(b, s.keys('frozen', 1));
  await sink.requestCount(1, 10_000);
  const frozenAt = a.freeze();
  s.log(`froze ${a.id} at epoch ${frozenEpoch} with its request for ${key} in flight`);
  const others = await s.enqueuePosts(b, s.keys('post', 10));

  const taker = await s.waitForLeader(s.timing.leaseTtlSeconds * 1000 + 5000, [a]);
  const takeover = await s.lease();
  s.log(`${taker.id} leads at epoch ${takeover.epoch}, ${Date.now() - frozenAt} ms after the freeze`);
  if (taker !== b || takeover.epoch <= frozenEpoch)
    s.violate('takeover', `expected ${b.id} at an epoch above ${frozenEpoch}, got ${taker.id} at ${takeover.epoch}`);
  const expected = sink.idempotent ? 'SUCCESS' : 'NEEDS_REVIEW';
  await s.expectWithin(
    'rescue',
    async () => (await s.actionByKey(key))?.status === expected,
    10_000,
    `the frozen leader's action ${key} to be rescued to ${expected} by ${taker.id}`,
    async () => [await s.actionByKey(key), ...(await s.logRowsOf((await s.actionByKey(key))!.id)), b.tail(10, true)],
  );
  await s.waitUntilDrained(15_000);
  const stillFrozen = s.timing.leaseTtlSeconds * 1000 + 1000 - (Date.now() - frozenAt);
  if (stillFrozen > 0) await sleep(stillFrozen);

  b.freeze();
  await sleep(200);
  const before = await snapshotTables(s);
  sink.release();
  a.thaw();
  s.log(`thawed ${a.id} after ${Date.now() - frozenAt} ms frozen; its held answer released`);
  await sleep(2000);
  const after = await snapshotTables(s);
  b.thaw();
  const oldEpoch = String(frozenEpoch);
  const changes = diffTables(
    before,
    after,
    (old, row) => !!old && old.outcome === 'RUNNING' && String(row.epoch) === oldEpoch && row.owner === a.id,
  );
  if (changes.length > 0)
    s.violate('late writes change nothing', `${changes.length} row(s) changed after the stale leader woke up`, [
      ...changes,
      a.tail(6, true),
    ]);
  s.log(
    `${a.id} after waking: ${a
      .grep(/discard|lease|step|fenc|not recorded/i)
      .slice(-3)
      .join(' | ')}`,
  );

  const action = await s.actionByKey(key);
  if (!sink.idempotent && (action?.status !== 'NEEDS_REVIEW' || action.last_error_code !== 'OUTCOME_UNKNOWN')) {
    s.violate('unknown outcome parked', `${key} is ${action?.status} / ${action?.last_error_code}`, [action]);
  }
  if (!sink.idempotent && sink.requestsFor(key).length !== 1)
    s.violate(
      'at most one request to a non-idempotent sink',
      `the sink saw ${sink.requestsFor(key).length} requests for ${key}`,
      sink.requestsFor(key),
    );

  await s.waitUntilDrained(15_000);
  await s.sampler.stop();
  await checkInvariants(s, {
    keys: [key, ...others],
    finalStatus: (k) => (k === key ? [expected] : ['SUCCESS']),
    sink: { posts: (k) => sink.postsFor(k), requests: (k) => sink.requestsFor(k).length },
  });
}

function realEnv(sink: GatedSink): Record<string, string> {
  return realMastodonEnv(sink.url, TOKEN, { AOL_MASTODON_TIMEOUT_SECONDS: '2', AOL_MASTODON_IDEMPOTENT: sink.idempotent ? '1' : '0' });
}

describe('a leader frozen with SIGSTOP', () => {
  it("3. frozen past the TTL mid-call, then continued: the other takes over at a higher epoch; the old leader's late writes change nothing", async () => {
    const sink = await GatedSink.start(TOKEN, true);
    try {
      await runScenario(cluster(), 'freeze-leader', (s) => freezeMidCall(s, sink), { timing: REAL_TIMING, env: realEnv(sink) });
    } finally {
      await sink.close();
    }
  });

  it('3d. the same with a non-idempotent sink: the action is parked for review, one request, and the late writes still change nothing', async () => {
    const sink = await GatedSink.start(TOKEN, false);
    try {
      await runScenario(cluster(), 'freeze-leader-unsafe', (s) => freezeMidCall(s, sink), { timing: REAL_TIMING, env: realEnv(sink) });
    } finally {
      await sink.close();
    }
  });

  it('3b. frozen at a random moment while PROOF actions drain, past the TTL: all SUCCESS, the epoch moves on', async () => {
    await runScenario(
      cluster(),
      'freeze-random',
      async (s) => {
        const [a, b] = await s.spawnAll(['random-a', 'random-b']);
        s.sampler.start();
        const keys = await s.enqueuePosts(a, s.keys('post', 60));
        const leader = await s.waitForLeader();
        await sleep(s.rng.int(100, 1200));
        const { epoch } = await s.lease();
        const frozenFor = s.timing.leaseTtlSeconds * 1000 + s.rng.int(500, 2500);
        leader.freeze();
        s.log(`froze ${leader.id} (epoch ${epoch}) for ${frozenFor} ms; queue ${JSON.stringify(await s.countsByStatus())}`);
        await sleep(frozenFor);
        leader.thaw();
        const other = leader === a ? b : a;
        const now = await s.lease();
        if (now.epoch <= epoch || now.owner !== other.id)
          s.violate('takeover', `after ${frozenFor} ms frozen, the lease is ${JSON.stringify(now)} (frozen epoch ${epoch})`);
        await s.waitUntilDrained(20_000);
        await s.sampler.stop();
        await checkInvariants(s, { keys });
      },
      { timing: { ...FAST, maxActionsPerTick: 1, tickIntervalMs: 100 } },
    );
  });

  it('3c. a follower frozen past the TTL, then continued: the leader keeps its epoch, nothing is disturbed', async () => {
    await runScenario(
      cluster(),
      'freeze-follower',
      async (s) => {
        await s.spawnAll(['follow-a', 'follow-b']);
        const leader = await s.waitForLeader();
        const follower = s.instances.find((instance) => instance !== leader)!;
        const { epoch } = await s.lease();
        s.sampler.start();
        const keys = await s.enqueuePosts(leader, s.keys('post', 60));
        await sleep(s.rng.int(100, 800));
        follower.freeze();
        await sleep(s.timing.leaseTtlSeconds * 1000 + s.rng.int(500, 1500));
        follower.thaw();
        await s.waitUntilDrained(20_000);
        await s.sampler.stop();
        const epochs = s.sampler.epochs().filter((e) => e.owner !== null);
        if (epochs.some((e) => e.epoch !== epoch))
          s.violate("a follower's pause disturbs nothing", `the lease moved from epoch ${epoch}: ${JSON.stringify(epochs)}`);
        await checkInvariants(s, { keys });
      },
      { timing: { ...FAST, maxActionsPerTick: 1 } },
    );
  });
});
