import { checkInvariants } from './support/invariants';
import { AolInstance, sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST, Scenario, Timing } from './support/scenario';

const cluster = usePrivateCluster();

/**
 * The flowing configuration (AOL_DRAIN_CONTINUOUSLY): the leader claims again while its
 * handlers run, so at any moment it holds claimed actions not yet started, attempts in flight
 * and finished attempts not yet recorded, all at once. Periods of 500 ms, claims of 200, 16
 * slots: the faults below land with every one of those in play.
 */
const FLOWING: Timing = { ...FAST, tickIntervalMs: 500, maxActionsPerTick: 200 };
const FLOWING_ENV = { AOL_TICK_CONCURRENCY: '16', AOL_DRAIN_CONTINUOUSLY: '1', AOL_WAKE_ON_ENQUEUE: '1' };
const ACTIONS = 5000;

/** Two instances, 5,000 PROOF actions enqueued; resolves with the keys once the leader is well into the drain. */
async function midFlow(s: Scenario): Promise<{ keys: string[]; leader: AolInstance; other: AolInstance }> {
  const [a, b] = await s.spawnAll([`${s.name}-a`, `${s.name}-b`]);
  s.sampler.start();
  const keys = await s.enqueuePosts(await s.waitForLeader(), s.keys('post', ACTIONS));
  await s.expectWithin(
    'the drain flows',
    async () => ((await s.countsByStatus()).SUCCESS ?? 0) >= ACTIONS / 5,
    30_000,
    `a fifth of the ${ACTIONS} actions to succeed`,
  );
  const lease = await s.lease();
  const leader = s.byId(lease.owner);
  if (!leader?.alive) throw new Error(`no live leader mid-flow (lease ${JSON.stringify(lease)})`);
  s.log(`mid-flow: ${leader.id} leads at epoch ${lease.epoch}; queue ${JSON.stringify(await s.countsByStatus())}`);
  return { keys, leader, other: leader === a ? b : a };
}

/** kill -9 of the leader mid-flow; resolves with the keys once the other instance leads. */
async function killLeaderMidFlow(s: Scenario): Promise<string[]> {
  const { keys, leader, other } = await midFlow(s);
  await leader.kill9();
  s.log(`killed ${leader.id} mid-flow; waiting for ${other.id} to take over when the lease expires`);
  await s.waitForLeader(s.timing.leaseTtlSeconds * 1000 + 5000, [leader]);
  return keys;
}

/** What every case checks beyond the suite's invariants: every action attempted once more at most, per fault. */
async function checkFlow(s: Scenario, keys: string[]): Promise<void> {
  await s.waitUntilDrained(40_000);
  await s.sampler.stop();
  await checkInvariants(s, { keys });
  const twice = await s.sql<{ id: string; successes: string }>(
    `select action_id as id, count(*) as successes from aol_execution_logs where outcome = 'SUCCESS' group by action_id having count(*) > 1`,
  );
  if (twice.length > 0) s.violate('none run twice', `${twice.length} action(s) have more than one SUCCESS log row`, twice.slice(0, 10));
  const periods = await s.sql<{ owner: string; periods: string; attempted: string }>(
    `select owner, count(*) as periods, sum(attempted) as attempted from aol_tick_ledger where attempted > 0 group by owner order by owner`,
  );
  s.log(`periods that ran actions: ${JSON.stringify(periods)}`);
}

/**
 * Every post that succeeded has exactly one action.succeeded delivery (a WEBHOOK action), after
 * a leader died with events heard or not yet heard and their deliveries not enqueued.
 */
async function checkDeliveries(s: Scenario): Promise<void> {
  const [row] = await s.sql<{ posts: string; delivered: string; missing: string; doubled: string }>(
    `with delivered as (
       select split_part(idempotency_key, ':', 5)::bigint as action_id, count(*) as deliveries
       from aol_actions where type = 'WEBHOOK' and idempotency_key like 'webhook:env:ops:action.succeeded:%' group by 1)
     select (select count(*) from aol_actions where type = 'POST_SOCIAL' and status = 'SUCCESS') as posts,
            (select count(*) from delivered) as delivered,
            (select count(*) from aol_actions p where p.type = 'POST_SOCIAL' and p.status = 'SUCCESS'
               and not exists (select 1 from delivered where delivered.action_id = p.id)) as missing,
            (select count(*) from delivered where deliveries > 1) as doubled`,
  );
  s.log(`webhook deliveries: ${JSON.stringify(row)}`);
  if (Number(row.missing) > 0) s.violate('no delivery lost', `${row.missing} succeeded post(s) have no action.succeeded delivery`, [row]);
  if (Number(row.doubled) > 0) s.violate('one delivery per event', `${row.doubled} post(s) have more than one`, [row]);
}

describe('the flowing drain under faults', () => {
  it('9. kill -9 of the leader mid-flow, two instances, 5,000 PROOF actions: none lost, none run twice, one log row per attempt', async () => {
    await runScenario(cluster(), 'flow-kill', async (s) => checkFlow(s, await killLeaderMidFlow(s)), { timing: FLOWING, env: FLOWING_ENV });
  });

  it('9c. kill -9 of the leader mid-flow with a webhook subscription, events on each instance only: every succeeded post gets one delivery', async () => {
    await runScenario(
      cluster(),
      'flow-kill-webhooks',
      async (s) => {
        await checkFlow(s, await killLeaderMidFlow(s));
        await checkDeliveries(s);
      },
      {
        timing: FLOWING,
        env: {
          ...FLOWING_ENV,
          // Each instance hears only its own events: the killed leader's deliveries not yet enqueued have no one else to enqueue them.
          AOL_EVENT_BUS: 'memory',
          AOL_WEBHOOK_ALLOW_PRIVATE: '1',
          AOL_WEBHOOKS: JSON.stringify([
            { name: 'ops', url: 'http://127.0.0.1:9/hooks', events: ['action.succeeded'], secretEnv: 'OPS_WEBHOOK_SECRET' },
          ]),
          OPS_WEBHOOK_SECRET: 'whsec_' + Buffer.from('fault-suite-webhook-secret-32-bytes!').toString('base64'),
        },
      },
    );
  });

  it('9b. SIGSTOP of the leader mid-flow, SIGCONT once the other took over: the thawed one changes nothing, none lost, none run twice', async () => {
    await runScenario(
      cluster(),
      'flow-freeze',
      async (s) => {
        const { keys, leader, other } = await midFlow(s);
        const frozenAt = leader.freeze();
        const taker = await s.waitForLeader(s.timing.leaseTtlSeconds * 1000 + 5000, [leader]);
        s.log(`${taker.id} leads ${Date.now() - frozenAt} ms after ${leader.id} froze; queue ${JSON.stringify(await s.countsByStatus())}`);
        if (taker !== other) s.violate('takeover', `expected ${other.id} to take over, got ${taker.id}`);
        await sleep(500);
        leader.thaw();
        s.log(`thawed ${leader.id} after ${Date.now() - frozenAt} ms`);
        await checkFlow(s, keys);
      },
      { timing: FLOWING, env: FLOWING_ENV },
    );
  });
});
