import { enqueuePost, getAction } from './support/actions';
import { waitFor } from './support/processes';
import { startTestApp, useFreshDatabase } from './support/test-app';
import { DRIVERS } from './support/test-database';

/** Long enough that only a wake-up, never the interval, can start an action within a test. */
const LONG_INTERVAL = { AOL_TICK_ENABLED: '1', AOL_TICK_INTERVAL_MS: '60000', AOL_LEASE_TTL_SECONDS: '120' };

async function control(aol: { graphql: (query: string) => Promise<{ errors?: unknown }> }, mutation: string): Promise<void> {
  const response = await aol.graphql(`mutation { ${mutation} { paused } }`);
  expect(response.errors).toBeUndefined();
}

async function succeeded(aol: Parameters<typeof getAction>[0], id: string): Promise<void> {
  await waitFor(async () => ((await getAction(aol, id)).status === 'SUCCESS' ? true : undefined), 10_000, `action ${id} to succeed`);
}

/** Enqueues while `hold` keeps actions from starting, then sends `release`: the action must then run, long before the interval. */
async function runsOnceReleased(aol: Parameters<typeof getAction>[0], hold: string, release: string, key: string): Promise<void> {
  await control(aol, hold);
  const action = await enqueuePost(aol, key);
  await control(aol, release);
  await succeeded(aol, String(action.id));
}

describe.each(DRIVERS)('resume, revive and setProofMode wake a tick at once (%s)', (driver) => {
  const fresh = useFreshDatabase(driver);

  it('resume starts what waited, without waiting for the interval', async () => {
    const aol = await fresh.start({ env: LONG_INTERVAL });
    await runsOnceReleased(aol, 'pause(reason: "hold")', 'resume(reason: "go")', 'wake-resume');
  });

  it('setProofMode starts what waited when no tick started an action within the interval', async () => {
    const aol = await fresh.start({ env: LONG_INTERVAL });
    const action = await enqueuePost(aol, 'wake-proof-first');
    await control(aol, 'setProofMode(enabled: true, reason: "proof")');
    await succeeded(aol, String(action.id));
  });

  it('revive does too, and the next wake-up keeps the pace of one tick per interval', async () => {
    const aol = await fresh.start({ env: LONG_INTERVAL });
    await runsOnceReleased(aol, 'kill(reason: "stop")', 'revive(reason: "go")', 'wake-revive');
    // The next wake-up comes an interval after the last tick that started an action, at the earliest.
    const second = await enqueuePost(aol, 'wake-proof');
    await control(aol, 'setProofMode(enabled: true, reason: "proof")');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await getAction(aol, String(second.id))).status).toBe('PENDING');
  });

  it('under AOL_WAKE_ON_ENQUEUE (the pace lifted) every such change wakes a tick', async () => {
    const aol = await fresh.start({ env: { ...LONG_INTERVAL, AOL_WAKE_ON_ENQUEUE: '1' } });
    await runsOnceReleased(aol, 'pause(reason: "hold")', 'resume(reason: "go")', 'lifted-1');
    await control(aol, 'pause(reason: "hold")');
    const second = await enqueuePost(aol, 'lifted-2');
    await control(aol, 'setProofMode(enabled: true, reason: "proof")');
    expect((await getAction(aol, String(second.id))).status).toBe('PENDING');
    await control(aol, 'resume(reason: "go")');
    await succeeded(aol, String(second.id));
  });
});

describe('a resume sent to another instance wakes the leader (AOL_EVENT_BUS=postgres)', () => {
  const fresh = useFreshDatabase('postgresql');

  it('runs the action on the leader', async () => {
    const leader = await fresh.start({ env: { ...LONG_INTERVAL, AOL_EVENT_BUS: 'postgres', AOL_INSTANCE_ID: 'instance-a' } });
    const follower = await startTestApp(fresh.db, { env: { AOL_EVENT_BUS: 'postgres', AOL_INSTANCE_ID: 'instance-b' } });
    try {
      await runsOnceReleased(follower, 'pause(reason: "hold")', 'resume(reason: "go")', 'wake-across');
      const [row] = await leader.sql<{ claimed_by: string }>('select claimed_by from aol_actions where idempotency_key = ?', [
        'wake-across',
      ]);
      expect(row.claimed_by).toBe('instance-a');
    } finally {
      await follower.close();
    }
  });
});
