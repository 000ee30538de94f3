import { checkInvariants } from './support/invariants';
import { AolInstance, sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST } from './support/scenario';

const cluster = usePrivateCluster();

describe('kill -9 of the leader', () => {
  it('1. kill -9 of the leader at random moments, 20 rounds, while 100 PROOF actions drain: all SUCCESS', async () => {
    await runScenario(
      cluster(),
      'kill-leader',
      async (s) => {
        let serial = 0;
        const spawnNext = () => s.spawn(`kill-${++serial}`);
        await Promise.all([spawnNext(), spawnNext()]);
        s.sampler.start();
        const keys = await s.enqueuePosts(s.live[0], s.keys('post', 100));
        const replacements: Promise<unknown>[] = [];
        for (let round = 1; round <= 20; round += 1) {
          await s.waitForLeader(20_000);
          const delay = s.rng.int(0, 700);
          await sleep(delay);
          // Whoever leads at this very moment (it may have changed during the delay).
          const lease = await s.lease();
          const victim: AolInstance | undefined = lease.live ? s.byId(lease.owner) : undefined;
          if (!victim?.alive) {
            s.log(`round ${round}: no live leader ${delay} ms in (lease ${JSON.stringify(lease)}); trying again`);
            round -= 1;
            continue;
          }
          const counts = await s.countsByStatus();
          s.log(`round ${round}: kill -9 ${victim.id} (epoch ${lease.epoch}) ${delay} ms after a leader was seen; queue ${JSON.stringify(counts)}`);
          await victim.kill9();
          // Most rounds skip the TTL wait by expiring the dead holder's lease (what time would
          // do); a quarter wait it out, so the expiry path itself is exercised too.
          if (s.rng.chance(0.75)) await s.expireLeaseOf(victim);
          else s.log(`round ${round}: waiting for ${victim.id}'s lease to expire by itself`);
          replacements.push(spawnNext().catch((error: unknown) => s.violate('scenario ran to the end', `a replacement did not start: ${String(error)}`)));
        }
        await Promise.all(replacements);
        await s.waitUntilDrained(30_000);
        await s.sampler.stop();
        s.log(`epochs seen: ${s.sampler.epochs().map((e) => `${e.epoch}:${e.owner}`).join(' ')}`);
        await checkInvariants(s, { keys });
      },
      { timing: { ...FAST, maxActionsPerTick: 1, tickIntervalMs: 200 } },
    );
  });
});
