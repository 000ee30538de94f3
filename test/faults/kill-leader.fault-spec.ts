import { checkInvariants } from './support/invariants';
import { AolInstance, sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST, Scenario } from './support/scenario';

const cluster = usePrivateCluster();

/**
 * `rounds` times: wait for a leader, let it work a random while, kill -9 whoever leads at
 * that moment, and start a replacement, so two or three instances are always around. Most
 * rounds end the dead holder's lease by hand (what time would do); a fifth (chosen by the
 * seed) wait the TTL out, so the expiry path itself is exercised too.
 */
async function killLeaderRounds(
  s: Scenario,
  count: number,
  rounds: number,
  options: { feedPerRound?: number; maxDelayMs?: number; naturalRounds?: number; feedOneByOne?: boolean } = {},
): Promise<void> {
  let serial = 0;
  const spawnNext = () => s.spawn(`${s.name}-${++serial}`);
  await Promise.all([spawnNext(), spawnNext()]);
  s.sampler.start();
  const keys = await s.enqueuePosts(s.live[0], s.keys('post', count));
  const feed = options.feedPerRound ?? 0;
  const natural = new Set<number>();
  while (natural.size < (options.naturalRounds ?? Math.ceil(rounds / 5))) natural.add(s.rng.int(1, rounds));
  const replacements: Promise<unknown>[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const seen = await s.waitForLeader(20_000);
    // A fast drain empties the queue at once: feed it each round so the kill lands mid-work.
    // One by one, the feed goes on while the leader is killed.
    let feeding: Promise<void> = Promise.resolve();
    if (feed > 0 && options.feedOneByOne) {
      const roundKeys = s.keys(`round${round}`, feed);
      keys.push(...roundKeys);
      feeding = enqueueOneByOne(s, seen, roundKeys);
    } else if (feed > 0) keys.push(...(await s.enqueuePosts(seen, s.keys(`round${round}`, feed))));
    const delay = s.rng.int(0, options.maxDelayMs ?? 700);
    await sleep(delay);
    // Whoever leads at this very moment (it may have changed during the delay).
    const lease = await s.lease();
    const victim: AolInstance | undefined = lease.live ? s.byId(lease.owner) : undefined;
    if (!victim?.alive) {
      s.log(`round ${round}: no live leader ${delay} ms in (lease ${JSON.stringify(lease)}); trying again`);
      round -= 1;
      continue;
    }
    s.log(
      `round ${round}: kill -9 ${victim.id} (epoch ${lease.epoch}) ${delay} ms after a leader was seen; queue ${JSON.stringify(await s.countsByStatus())}`,
    );
    await victim.kill9();
    if (!natural.has(round)) await s.expireLeaseOf(victim);
    else s.log(`round ${round}: waiting for ${victim.id}'s lease to expire by itself`);
    replacements.push(
      spawnNext().catch((error: unknown) => s.violate('scenario ran to the end', `a replacement did not start: ${String(error)}`)),
    );
    await feeding;
  }
  await Promise.all(replacements);
  await s.waitUntilDrained(30_000);
  await s.sampler.stop();
  s.log(
    `epochs seen: ${s.sampler
      .epochs()
      .map((e) => `${e.epoch}:${e.owner}`)
      .join(' ')}`,
  );
  // Every round kills whoever leads, often during its first batch, and the actions it held are
  // first in line for the next leader: the same one can be caught past the rescue budget.
  await checkInvariants(s, { keys, mayBeRescuedTooOften: true });
}

/**
 * Enqueues `keys` with one enqueueAction each, 5–25 ms apart, to `first` while it lives: as a
 * client would, a call whose answer was lost (its instance killed) goes again, with the same
 * idempotency key, to a live instance, so each key is enqueued once whatever the first call did.
 */
async function enqueueOneByOne(s: Scenario, first: AolInstance, keys: string[]): Promise<void> {
  let target = first;
  for (const key of keys) {
    for (let tries = 1; ; tries += 1) {
      const answer = await target
        .graphql('mutation ($input: EnqueueActionInput!) { enqueueAction(input: $input) { action { id } } }', {
          input: { type: 'POST_SOCIAL', idempotencyKey: key, payload: { platform: 'mastodon', text: `fault suite post ${key}` } },
        })
        .catch((error: unknown) => ({ errors: [String(error)] }));
      if (!answer.errors) break;
      if (tries >= 50) return s.violate('every enqueue answered', `${key}: ${JSON.stringify(answer.errors)}`);
      await sleep(50);
      target = s.live.find((instance) => instance !== target) ?? target;
    }
    await sleep(s.rng.int(5, 25));
  }
}

/**
 * The audit chain after the kills: `aol audit verify` (the CLI, as a process) finds it intact,
 * and each log row is named by exactly one ATTEMPT_BATCH entry (a killed leader's transaction
 * left neither a row without its entry nor an entry without its row).
 */
async function checkAuditChain(s: Scenario): Promise<void> {
  try {
    const verification = JSON.parse(await s.cli(['audit', 'verify'])) as { intact: boolean; checked: number };
    s.log(`audit verify: intact, ${verification.checked} entries`);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    s.violate('audit chain intact', `aol audit verify failed: ${stderr ?? String(error)}`, [stdout]);
  }
  const mismatched = await s.sql(
    `with named as (select (item ->> 'logId')::bigint as log_id from aol_audit_chain c
       cross join jsonb_array_elements(c.content::jsonb -> 'attempts') as item where c.kind = 'ATTEMPT_BATCH')
     select l.id, count(named.log_id) as entries from aol_execution_logs l
     left join named on named.log_id = l.id
     group by l.id having count(named.log_id) <> 1`,
  );
  if (mismatched.length > 0) s.violate('one entry per log row', `${mismatched.length} log row(s) not named by exactly one`, mismatched);
  const [named] = await s.sql<{ n: string }>(
    `select count(*) as n from aol_audit_chain c cross join jsonb_array_elements(c.content::jsonb -> 'attempts') as item
     where c.kind = 'ATTEMPT_BATCH' and not exists (select 1 from aol_execution_logs l where l.id = (item ->> 'logId')::bigint)`,
  );
  if (Number(named.n) > 0) s.violate('one entry per log row', `${named.n} attempt(s) named in the chain without their log row`);
}

describe('kill -9 of the leader', () => {
  it('1. kill -9 of the leader at random moments, 20 rounds, while 100 PROOF actions drain: all SUCCESS (or parked after too many rescues, each a real kill)', async () => {
    await runScenario(cluster(), 'kill-leader', (s) => killLeaderRounds(s, 100, 20), {
      // One action per tick, ~7 ticks a second: the 100 actions outlast the 20 rounds.
      timing: { ...FAST, maxActionsPerTick: 1, tickIntervalMs: 150 },
    });
  });

  it('1b. the same with batches run concurrently, continuous draining and wake-on-enqueue (10 rounds, actions fed each round)', async () => {
    await runScenario(
      cluster(),
      'kill-leader-batch',
      (s) => killLeaderRounds(s, 40, 10, { feedPerRound: 15, maxDelayMs: 250, naturalRounds: 0 }),
      {
        timing: { ...FAST, maxActionsPerTick: 4, tickIntervalMs: 300 },
        env: { AOL_TICK_CONCURRENCY: '3', AOL_DRAIN_CONTINUOUSLY: '1', AOL_WAKE_ON_ENQUEUE: '1' },
      },
    );
  });

  it('1c. kill -9 of the leader in the middle of a drain of 300 PROOF actions, two instances: audit verify passes, each log row named by exactly one audit entry', async () => {
    await runScenario(
      cluster(),
      'kill-leader-audit',
      async (s) => {
        await killLeaderRounds(s, 300, 3, { maxDelayMs: 1500, naturalRounds: 0 });
        await checkAuditChain(s);
      },
      // 10 actions a tick every 150 ms: the 300 take about 5 s, so each kill lands mid-drain.
      { timing: { ...FAST, maxActionsPerTick: 10, tickIntervalMs: 150 }, env: { AOL_TICK_CONCURRENCY: '3' } },
    );
  });

  it('1d. kill -9 of the leader while single enqueues stream to it, each claimed by its own insert when the leader is idle (10 rounds)', async () => {
    await runScenario(
      cluster(),
      'kill-leader-claim-at-insert',
      async (s) => {
        await killLeaderRounds(s, 10, 10, { feedPerRound: 20, feedOneByOne: true, maxDelayMs: 300, naturalRounds: 0 });
        await checkAuditChain(s);
        // A PROOF claim is its start: one made by the insert started at the insert's own time.
        const [claimed] = await s.sql<{ n: string }>(`select count(*) as n from aol_actions where started_at = created_at`);
        s.log(`${claimed.n} action(s) claimed by their own insert`);
        if (Number(claimed.n) === 0) s.violate('the scenario exercised claims made by inserts', 'no action was claimed by its insert');
      },
      {
        timing: { ...FAST, maxActionsPerTick: 4, tickIntervalMs: 300 },
        env: { AOL_TICK_CONCURRENCY: '3', AOL_DRAIN_CONTINUOUSLY: '1', AOL_WAKE_ON_ENQUEUE: '1' },
      },
    );
  });
});
