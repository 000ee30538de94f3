import { GatedSink } from './support/gated-sink';
import { checkInvariants } from './support/invariants';
import { AolInstance, GraphqlAnswer, sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST, HARNESS_APPLICATION, Scenario, Timing } from './support/scenario';
import { realMastodonEnv } from '../support/fake-mastodon';

const cluster = usePrivateCluster();

const REAL_TIMING: Timing = { ...FAST, actionTimeoutSeconds: 2, leaseTtlSeconds: 5, maxActionsPerTick: 2 };
const TOKEN = 'fault-suite-token-0123456789';

/** What the API says while the database is away: it must answer, quickly, with an error that says so. */
async function probeDuringOutage(s: Scenario, instance: AolInstance): Promise<void> {
  const sentAt = Date.now();
  let answer: GraphqlAnswer | null = null;
  let failure = '';
  try {
    answer = await instance.graphql('{ autonomyStatus { leader queue { pending } } }', undefined, 5000);
  } catch (error) {
    failure = String(error);
  }
  const ms = Date.now() - sentAt;
  const error = answer?.errors?.[0];
  s.log(`during the outage ${instance.id} answered in ${ms} ms: ${answer ? JSON.stringify({ http: answer.httpStatus, error }) : failure}`);
  if (!answer) {
    s.violate('the API answers during an outage', `${instance.id} gave no answer within 5000 ms: ${failure}`);
    return;
  }
  const code = String(error?.extensions?.code ?? '');
  if (!error || !code || code === 'INTERNAL_SERVER_ERROR' || !/database|unavailable|postgres|connect/i.test(`${code} ${error.message}`)) {
    s.violate(
      'the API answers with a clear error during an outage',
      `${instance.id} answered HTTP ${answer.httpStatus} with ${JSON.stringify(answer.errors ?? answer.data)}`,
    );
  }
}

describe('PostgreSQL outages', () => {
  it('5. PostgreSQL restarted mid-run: both processes stay up, the API says why meanwhile, everything drains after', async () => {
    await runScenario(
      cluster(),
      'pg-restart',
      async (s) => {
        const [a, b] = await s.spawnAll(['restart-a', 'restart-b']);
        s.sampler.start();
        const keys = await s.enqueuePosts(a, s.keys('post', 150));
        await sleep(s.rng.int(300, 2000));
        const mode = s.rng.pick(['fast', 'immediate'] as const);
        const downMs = s.rng.int(1500, 4500);
        s.log(`stopping PostgreSQL (${mode}) for ${downMs} ms; queue ${JSON.stringify(await s.countsByStatus())}`);
        const stoppedAt = Date.now();
        await s.cluster.stop(mode);
        await sleep(300);
        await Promise.all([probeDuringOutage(s, a), probeDuringOutage(s, b)]);
        await sleep(Math.max(0, downMs - (Date.now() - stoppedAt)));
        await s.cluster.start();
        const backAt = Date.now();
        s.log('PostgreSQL is back');
        await s.waitUntilDrained(40_000);
        await s.sampler.stop();
        const resumed = await s.sql<{ owner: string; epoch: string; ticks: string }>(
          `select owner, epoch, count(*) as ticks from aol_tick_ledger where started_at > to_timestamp($1 / 1000.0) group by owner, epoch order by epoch`,
          [backAt],
        );
        s.log(`ticks after the restart: ${JSON.stringify(resumed)}`);
        for (const instance of [a, b])
          if (!instance.alive) s.violate('stays up', `${instance.id} is gone after the restart`, [instance.tail(20, true)]);
        await checkInvariants(s, { keys });
      },
      { timing: { ...FAST, maxActionsPerTick: 2 } },
    );
  });

  it("5b. the service's sessions terminated again and again (pg_terminate_backend) while PROOF actions drain", async () => {
    await runScenario(
      cluster(),
      'pg-terminate',
      async (s) => {
        const [a, b] = await s.spawnAll(['terminate-a', 'terminate-b']);
        s.sampler.start();
        const keys = await s.enqueuePosts(a, s.keys('post', 150));
        for (let round = 1; round <= 8; round += 1) {
          await sleep(s.rng.int(150, 700));
          const ended = await s.cluster.terminateSessions(s.database, HARNESS_APPLICATION);
          s.log(`round ${round}: terminated ${ended} session(s); queue ${JSON.stringify(await s.countsByStatus())}`);
        }
        await s.waitUntilDrained(30_000);
        await s.sampler.stop();
        for (const instance of [a, b]) if (!instance.alive) s.violate('stays up', `${instance.id} is gone`, [instance.tail(20, true)]);
        await checkInvariants(s, { keys });
      },
      { timing: { ...FAST, maxActionsPerTick: 2 } },
    );
  });

  it('5c. REAL posts to a non-idempotent sink while sessions are terminated: never a second post, every action settled', async () => {
    const sink = await GatedSink.start(TOKEN, false);
    try {
      await runScenario(
        cluster(),
        'pg-terminate-real',
        async (s) => {
          const [a, b] = await s.spawnAll(['real-a', 'real-b']);
          s.sampler.start();
          await s.switchProofModeOff(a);
          const keys = await s.enqueuePosts(b, s.keys('post', 40));
          for (let round = 1; round <= 8; round += 1) {
            await sleep(s.rng.int(150, 600));
            const ended = await s.cluster.terminateSessions(s.database, HARNESS_APPLICATION);
            s.log(`round ${round}: terminated ${ended} session(s); queue ${JSON.stringify(await s.countsByStatus())}`);
          }
          await s.waitUntilDrained(30_000);
          await s.sampler.stop();
          const review = await s.sql(
            `select id, idempotency_key, last_error_code, last_error from aol_actions where status = 'NEEDS_REVIEW'`,
          );
          if (review.length > 0) s.log(`${review.length} action(s) parked for review: ${JSON.stringify(review.slice(0, 5))}`);
          for (const row of review)
            if (row.last_error_code === null)
              s.violate('an honest record', `action ${row.id} is NEEDS_REVIEW without a reason code`, [row]);
          await checkInvariants(s, {
            keys,
            finalStatus: () => ['SUCCESS', 'NEEDS_REVIEW'],
            sink: { posts: (k) => sink.postsFor(k), requests: (k) => sink.requestsFor(k).length },
          });
        },
        // One post per tick: the 40 posts outlast the eight terminations.
        {
          timing: { ...REAL_TIMING, maxActionsPerTick: 1 },
          env: realMastodonEnv(sink.url, TOKEN, { AOL_MASTODON_IDEMPOTENT: '0', AOL_MASTODON_TIMEOUT_SECONDS: '2' }),
        },
      );
    } finally {
      await sink.close();
    }
  });

  it('5d. SIGTERM to the leader while PostgreSQL is down: it still exits 0 within the bound; the other drains the queue after', async () => {
    await runScenario(
      cluster(),
      'pg-down-sigterm',
      async (s) => {
        const [a, b] = await s.spawnAll(['down-a', 'down-b']);
        s.sampler.start();
        const keys = await s.enqueuePosts(a, s.keys('post', 60));
        const leader = await s.waitForLeader();
        await sleep(s.rng.int(100, 800));
        await s.cluster.stop(s.rng.pick(['fast', 'immediate'] as const));
        s.log(`PostgreSQL stopped; SIGTERM to ${leader.id}`);
        const { exit, ms } = await s.terminate(leader);
        s.log(`${leader.id} exit ${JSON.stringify(exit)} after ${ms} ms`);
        await s.cluster.start();
        s.log('PostgreSQL is back');
        await s.waitUntilDrained(30_000);
        await s.sampler.stop();
        const other = leader === a ? b : a;
        if (!other.alive) s.violate('stays up', `${other.id} is gone`, [other.tail(20, true)]);
        await checkInvariants(s, { keys });
      },
      { timing: { ...FAST, maxActionsPerTick: 1 } },
    );
  });
});
