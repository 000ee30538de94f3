import { checkInvariants } from './support/invariants';
import { sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST } from './support/scenario';
import { EventWatch } from './support/subscriptions';

const cluster = usePrivateCluster();

describe('several instances on one PostgreSQL', () => {
  it('2. two instances drain 300 actions together: each executed once, one leader at a time, followers see the events', async () => {
    await runScenario(
      cluster(),
      'two-instances',
      async (s) => {
        const [a, b] = await s.spawnAll(['two-a', 'two-b']);
        s.sampler.start();
        const query = 'subscription { actionUpdated(status: SUCCESS) { id status } }';
        const watches = [
          new EventWatch<{ actionUpdated: { id: string } }>(a, query),
          new EventWatch<{ actionUpdated: { id: string } }>(b, query),
        ];
        await Promise.all(watches.map((watch) => watch.ready()));
        // Half through each instance, at once: enqueueing on a follower works too.
        const keys = s.keys('post', 300);
        await Promise.all([s.enqueuePosts(a, keys.slice(0, 150)), s.enqueuePosts(b, keys.slice(150))]);
        await s.waitUntilDrained(40_000);
        await sleep(1500); // let the last events arrive
        await s.sampler.stop();
        await checkInvariants(s, { keys });

        const once = await s.sql<{ id: string; attempts: number }>(`select id, attempts from aol_actions where attempts <> 1 order by id`);
        if (once.length > 0)
          s.violate('each executed once', `${once.length} action(s) were attempted more than once in a run without faults`, once);
        const leaders = new Set(
          (await s.sql<{ owner: string }>(`select distinct owner from aol_tick_ledger where attempted > 0`)).map((row) => row.owner),
        );
        s.log(`instances that executed actions: ${[...leaders].join(', ')}`);

        const success = (await s.sql<{ id: string }>(`select id from aol_actions where status = 'SUCCESS'`)).map((row) => String(row.id));
        for (const watch of watches) {
          const seen = watch.events.map((event) => String(event.actionUpdated.id));
          const distinct = new Set(seen);
          const missed = success.filter((id) => !distinct.has(id));
          const role = leaders.has(watch.instance.id) ? 'a leader' : 'a follower only';
          if (missed.length > 0 || watch.errors.length > 0) {
            s.violate(
              "subscriptions see the leader's events",
              `a subscription on ${watch.instance.id} (${role}) saw ${distinct.size} of ${success.length} SUCCESS updates`,
              [{ missedSample: missed.slice(0, 10), errors: watch.errors }],
            );
          }
          if (seen.length !== distinct.size)
            s.log(`note: ${watch.instance.id}'s subscription got ${seen.length - distinct.size} duplicate SUCCESS event(s)`);
          await watch.close();
        }
      },
      { timing: { ...FAST, maxActionsPerTick: 10 } },
    );
  });

  it('2b. three instances booting at once on an empty database: the migrations run once, all three serve, one leads', async () => {
    await runScenario(
      cluster(),
      'boot-together',
      async (s) => {
        const started = await Promise.allSettled(['boot-a', 'boot-b', 'boot-c'].map((id) => s.spawn(id)));
        const failed = started.filter((result) => result.status === 'rejected');
        if (failed.length > 0)
          s.violate(
            'instances start together',
            `${failed.length} of 3 failed to start on an empty database`,
            failed.map((f) => String((f as PromiseRejectedResult).reason).slice(0, 1500)),
          );
        s.sampler.start();
        const migrations = await s
          .sql<{ name: string; count: string }>(`select name, count(*) as count from aol_migrations group by name order by name`)
          .catch((error: unknown) => [{ name: `unreadable: ${String(error)}`, count: '0' }]);
        if (migrations.some((row) => Number(row.count) !== 1))
          s.violate('migrations run once', 'a migration was recorded more than once', migrations);
        const live = s.live;
        if (live.length > 0) {
          const keys = await s.enqueuePosts(live[0], s.keys('post', 30));
          await s.waitUntilDrained(15_000);
          await s.sampler.stop();
          await checkInvariants(s, { keys });
        }
      },
      { migrate: false },
    );
  });
});
