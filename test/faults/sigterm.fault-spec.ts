import { GatedSink } from './support/gated-sink';
import { checkInvariants } from './support/invariants';
import { AolInstance, sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST, Scenario, shutdownBoundMs, Timing } from './support/scenario';
import { realMastodonEnv } from '../support/fake-mastodon';

const cluster = usePrivateCluster();

const REAL_TIMING: Timing = { ...FAST, actionTimeoutSeconds: 2, leaseTtlSeconds: 5, maxActionsPerTick: 3 };
const TOKEN = 'fault-suite-token-0123456789';

/** Slack for the signal to reach the process and its handler to run. */
const SIGNAL_SLACK_MS = 100;

/**
 * SIGTERM to the only instance, mid-tick: exit 0 within the bound, the lease released (owner
 * null: released, not merely expired), nothing RUNNING, every tick record closed, and no
 * action started after the signal was handled (the one in flight may finish).
 */
async function terminateMidTick(s: Scenario, instance: AolInstance, whileWaiting: () => void = () => undefined): Promise<void> {
  const { epoch } = await s.lease();
  const bound = shutdownBoundMs(s.timing);
  const counts = await s.countsByStatus();
  const sentAt = instance.signal('SIGTERM');
  s.log(`SIGTERM to ${instance.id} (epoch ${epoch}); queue ${JSON.stringify(counts)}`);
  whileWaiting();
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    instance.exited,
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), bound + 3000))),
  ]);
  clearTimeout(timer);
  const ms = Date.now() - sentAt;
  s.log(`${instance.id} exit ${JSON.stringify(exit)} ${ms} ms after SIGTERM`);
  if (!exit) {
    s.violate('exit 0 within the bound', `${instance.id} still running ${bound + 3000} ms after SIGTERM`, [instance.tail(20, true)]);
    instance.child.kill('SIGKILL');
    await instance.exited;
  } else if (exit.code !== 0 || ms > bound) {
    s.violate(
      'exit 0 within the bound',
      `${instance.id} exited code=${exit.code} signal=${exit.signal} ${ms} ms after SIGTERM (bound ${bound} ms)`,
      [instance.tail(20, true)],
    );
  }

  const [lease] = await s.sql(`select owner, epoch, expires_at, clock_timestamp() as now from aol_lease`);
  if (lease.owner !== null)
    s.violate('lease released', `after ${instance.id} exited the lease row still names ${lease.owner} (epoch ${lease.epoch})`, [lease]);
  const running = await s.sql(`select id, idempotency_key, claimed_by, claim_epoch, attempts from aol_actions where status = 'RUNNING'`);
  if (running.length > 0) s.violate('nothing left RUNNING', `${running.length} action(s) RUNNING after ${instance.id} exited`, running);
  const openTicks = await s.sql(
    `select id, owner, epoch, outcome, started_at, note from aol_tick_ledger where owner = $1 and (outcome = 'RUNNING' or finished_at is null)`,
    [instance.id],
  );
  if (openTicks.length > 0) s.violate('every tick record closed', `${instance.id} left ${openTicks.length} tick row(s) open`, openTicks);

  // The handler's own line marks when the process knew; fall back on the send time plus slack.
  const knewAt = instance.firstLineAt(/SIGTERM/) ?? sentAt + SIGNAL_SLACK_MS;
  const late = await s.sql(
    `select l.action_id, l.attempt, l.outcome, l.started_at, (extract(epoch from l.started_at) * 1000)::bigint as started_ms
     from aol_execution_logs l join aol_tick_ledger t on t.id = l.tick_id
     where t.owner = $1 and l.started_at > to_timestamp($2 / 1000.0) order by l.started_at`,
    [instance.id, Math.max(knewAt, sentAt + SIGNAL_SLACK_MS)],
  );
  if (late.length > 0) {
    s.violate(
      'no action started after SIGTERM',
      `${instance.id} started ${late.length} action(s) after it handled SIGTERM (signal sent at ${new Date(sentAt).toISOString()})`,
      late,
    );
  }
}

describe('SIGTERM', () => {
  it('6. SIGTERM mid-tick, a REAL call in flight: it finishes, exit 0 within the bound, lease released, nothing RUNNING', async () => {
    const sink = await GatedSink.start(TOKEN, true);
    try {
      await runScenario(
        cluster(),
        'sigterm-real',
        async (s) => {
          const a = await s.spawn('sigterm-a');
          await s.waitForLeader();
          s.sampler.start();
          await s.switchProofModeOff(a);
          sink.holdNext(1);
          const keys = await s.enqueuePosts(a, s.keys('post', 3));
          await sink.requestCount(1, 10_000);
          const inFlight = sink.requests[0].key!;
          await terminateMidTick(s, a, () => void sleep(300).then(() => sink.release()));
          const action = await s.actionByKey(inFlight);
          if (action?.status !== 'SUCCESS' || action.claimed_by !== 'sigterm-a') {
            s.violate(
              'the action in flight finishes',
              `${inFlight} is ${action?.status} (claimed by ${action?.claimed_by}) after the shutdown`,
              [action, ...(await s.logRowsOf(action!.id))],
            );
          }
          const started = sink.requests.length;
          if (started !== 1)
            s.violate('no action started after SIGTERM', `the sink saw ${started} requests during the shutdown`, sink.requests);
          await s.spawn('sigterm-b');
          await s.waitUntilDrained(15_000);
          await s.sampler.stop();
          await checkInvariants(s, { keys, sink: { posts: (k) => sink.postsFor(k), requests: (k) => sink.requestsFor(k).length } });
        },
        {
          timing: REAL_TIMING,
          env: realMastodonEnv(sink.url, TOKEN, { AOL_MASTODON_TIMEOUT_SECONDS: '2' }),
        },
      );
    } finally {
      await sink.close();
    }
  });

  it('6b. SIGTERM at a random moment while PROOF actions drain: exit 0 within the bound, lease released, nothing RUNNING', async () => {
    await runScenario(
      cluster(),
      'sigterm-random',
      async (s) => {
        const a = await s.spawn('random-a');
        await s.waitForLeader();
        s.sampler.start();
        const keys = await s.enqueuePosts(a, s.keys('post', 60));
        await sleep(s.rng.int(100, 1500));
        await terminateMidTick(s, a);
        await s.spawn('random-b');
        await s.waitUntilDrained(20_000);
        await s.sampler.stop();
        await checkInvariants(s, { keys });
      },
      { timing: { ...FAST, maxActionsPerTick: 5 } },
    );
  });
});
