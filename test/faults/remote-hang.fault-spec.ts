import { FakeMastodon, realMastodonEnv } from '../support/fake-mastodon';
import { checkInvariants, sinkOf } from './support/invariants';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST, Scenario, Timing } from './support/scenario';

const cluster = usePrivateCluster();

const REAL_TIMING: Timing = { ...FAST, actionTimeoutSeconds: 2, leaseTtlSeconds: 5, maxActionsPerTick: 2 };
const TOKEN = 'fault-suite-token-0123456789';

/**
 * The leader's remote call hangs (the post was made, the answer never comes) and the leader
 * is killed: the new leader finds the action RUNNING under a dead epoch.
 */
async function hangThenKill(s: Scenario, fake: FakeMastodon): Promise<{ key: string; others: string[] }> {
  const [a, b] = await s.spawnAll([`${s.name}-a`, `${s.name}-b`]);
  s.sampler.start();
  await s.switchProofModeOff(b);
  fake.script({ hang: true, createFirst: true });
  const [key] = await s.enqueuePosts(b, s.keys('hang', 1));
  await s.waitFor(async () => (fake.statusRequests.length >= 1 ? true : undefined), 10_000, 'the remote call');
  const action = await s.actionByKey(key);
  const leader = s.byId(action?.claimed_by ?? null);
  if (!leader) throw new Error(`the action's claimer ${action?.claimed_by} is not one of ours`);
  s.log(`${leader.id} is in the hung call for ${key} (epoch ${action?.claim_epoch}): kill -9`);
  await leader.kill9();
  // No shortcut here: the lease expires by itself.
  const other = leader === a ? b : a;
  await s.expectWithin(
    'takeover',
    async () => (await s.lease()).owner === other.id,
    s.timing.leaseTtlSeconds * 1000 + 5000,
    `${other.id} to take over`,
  );
  await s.expectWithin(
    'rescue',
    async () => !['RUNNING', 'PENDING', 'RETRY'].includes((await s.actionByKey(key))?.status),
    8000,
    `${key} to leave RUNNING`,
    async () => [await s.actionByKey(key), other.tail(10, true)],
  );
  // The service goes on with other REAL work after the rescue.
  const others = await s.enqueuePosts(other, s.keys('after', 3));
  await s.waitUntilDrained(15_000);
  await s.sampler.stop();
  return { key, others };
}

describe('a REAL action whose remote call hangs when the leader is killed', () => {
  it('4a. non-idempotent sink: NEEDS_REVIEW with OUTCOME_UNKNOWN, the sink saw exactly one request', async () => {
    const fake = await FakeMastodon.start({ token: TOKEN, idempotent: false });
    try {
      await runScenario(
        cluster(),
        'hang-unsafe',
        async (s) => {
          const { key, others } = await hangThenKill(s, fake);
          const action = await s.actionByKey(key);
          if (action?.status !== 'NEEDS_REVIEW' || action.last_error_code !== 'OUTCOME_UNKNOWN') {
            s.violate(
              'unknown outcome parked',
              `${key} is ${action?.status} / ${action?.last_error_code}, expected NEEDS_REVIEW / OUTCOME_UNKNOWN`,
              [action, ...(await s.logRowsOf(action!.id))],
            );
          }
          const requests = sinkOf(fake).requests(key);
          if (requests !== 1)
            s.violate(
              'at most one request to a non-idempotent sink',
              `the sink saw ${requests} requests for ${key}`,
              fake.statusRequests.map((r) => ({ key: r.headers['idempotency-key'], reply: r.reply })),
            );
          const abandoned = (await s.logRowsOf(action!.id)).filter((row) => row.outcome === 'ABANDONED');
          if (abandoned.length !== 1)
            s.violate(
              'the abandoned attempt is closed',
              `${key} has ${abandoned.length} ABANDONED log rows`,
              await s.logRowsOf(action!.id),
            );
          await checkInvariants(s, {
            keys: [key, ...others],
            finalStatus: (k) => (k === key ? ['NEEDS_REVIEW'] : ['SUCCESS']),
            sink: sinkOf(fake),
          });
        },
        {
          timing: REAL_TIMING,
          env: realMastodonEnv(fake.url, TOKEN, { AOL_MASTODON_IDEMPOTENT: '0', AOL_MASTODON_TIMEOUT_SECONDS: '2' }),
        },
      );
    } finally {
      await fake.close();
    }
  });

  it('4b. idempotent sink: re-run with the same Idempotency-Key, SUCCESS, one post created', async () => {
    const fake = await FakeMastodon.start({ token: TOKEN });
    try {
      await runScenario(
        cluster(),
        'hang-safe',
        async (s) => {
          const { key, others } = await hangThenKill(s, fake);
          const action = await s.actionByKey(key);
          const posts = sinkOf(fake).posts(key);
          if (action?.status !== 'SUCCESS')
            s.violate('idempotent rescue re-runs', `${key} is ${action?.status} / ${action?.last_error_code}, expected SUCCESS`, [
              action,
              ...(await s.logRowsOf(action!.id)),
            ]);
          if (posts.length !== 1) s.violate('one post', `${posts.length} posts for ${key}`, posts);
          const abandoned = (await s.logRowsOf(action!.id)).filter((row) => row.outcome === 'ABANDONED');
          if (abandoned.length !== 1)
            s.violate(
              'the abandoned attempt is closed',
              `${key} has ${abandoned.length} ABANDONED log rows`,
              await s.logRowsOf(action!.id),
            );
          await checkInvariants(s, { keys: [key, ...others], sink: sinkOf(fake) });
        },
        {
          timing: REAL_TIMING,
          env: realMastodonEnv(fake.url, TOKEN, { AOL_MASTODON_TIMEOUT_SECONDS: '2' }),
        },
      );
    } finally {
      await fake.close();
    }
  });
});
