import { FakeMastodon, realMastodonEnv } from '../support/fake-mastodon';
import { checkInvariants, sinkOf } from './support/invariants';
import { sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST, Timing } from './support/scenario';

const cluster = usePrivateCluster();

const REAL_TIMING: Timing = { ...FAST, actionTimeoutSeconds: 2, leaseTtlSeconds: 5, maxActionsPerTick: 2 };
const TOKEN = 'fault-suite-token-0123456789';
const POSTS = 4;

describe('kill -9 of the leader between an approval and the post', () => {
  it('8. AOL_APPROVAL=real, a sink that ignores Idempotency-Key: nothing is posted before the approval, each approved post exactly once', async () => {
    const fake = await FakeMastodon.start({ token: TOKEN, idempotent: false });
    try {
      await runScenario(
        cluster(),
        'approval-kill',
        async (s) => {
          const [a, b] = await s.spawnAll([`${s.name}-a`, `${s.name}-b`]);
          s.sampler.start();
          await s.switchProofModeOff(b);
          const keys = await s.enqueuePosts(b, s.keys('post', POSTS));
          // Several ticks of waiting: nothing may reach the sink before a person says yes.
          await sleep(REAL_TIMING.tickIntervalMs * 5);
          if (fake.requests.length !== 0) s.violate('nothing sent before approval', `the sink saw ${fake.requests.length} requests`);
          const ids = (await s.sql<{ id: string }>('select id from aol_actions where idempotency_key = any($1) order by id', [keys])).map(
            (row) => String(row.id),
          );
          const leader = await s.waitForLeader();
          const other = leader === a ? b : a;
          const answer = await other.graphql(
            'mutation ($ids: [ID!]!) { approveActions(ids: $ids, reason: "fault suite") { error { code } } }',
            {
              ids,
            },
          );
          if (answer.errors) throw new Error(`approveActions failed: ${JSON.stringify(answer.errors)}`);
          // Between the approval and the post: at once, or a moment later (the seed chooses).
          const delay = s.rng.int(0, REAL_TIMING.tickIntervalMs);
          await sleep(delay);
          s.log(`kill -9 ${leader.id} ${delay} ms after the approval; the sink saw ${fake.statusRequests.length} request(s)`);
          await leader.kill9();
          await s.expectWithin(
            'takeover',
            async () => (await s.lease()).owner === other.id,
            REAL_TIMING.leaseTtlSeconds * 1000 + 5000,
            `${other.id} to take over`,
          );
          await s.waitUntilDrained(20_000);
          await s.sampler.stop();
          for (const key of keys) {
            const requests = sinkOf(fake).requests(key);
            const action = await s.actionByKey(key);
            // A post cut by the kill is NEEDS_REVIEW (its one request made); any other is SUCCESS with one request.
            const expected = action?.status === 'NEEDS_REVIEW' ? [0, 1] : [1];
            if (!expected.includes(requests))
              s.violate('each approved post sent once', `${key} (${action?.status}) got ${requests} requests`);
          }
          await checkInvariants(s, {
            keys,
            finalStatus: () => ['SUCCESS', 'NEEDS_REVIEW'],
            sink: sinkOf(fake),
          });
        },
        {
          timing: REAL_TIMING,
          env: realMastodonEnv(fake.url, TOKEN, { AOL_APPROVAL: 'real', AOL_MASTODON_IDEMPOTENT: '0', AOL_MASTODON_TIMEOUT_SECONDS: '2' }),
        },
      );
    } finally {
      await fake.close();
    }
  });
});
