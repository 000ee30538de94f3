import { DRIVERS } from './support/test-database';
import { TestApp, useFreshDatabase } from './support/test-app';
import { enqueuePost, getAction, ledgerRows, logRows, makeDue } from './support/actions';
import { FakeMastodon, realMastodonEnv } from './support/fake-mastodon';
import { waitFor } from './support/processes';

const TOKEN = 'sink-token-0123456789';

async function goLive(aol: TestApp): Promise<void> {
  await aol.graphql('mutation { setProofMode(enabled: false, reason: "live") { proofMode } }');
}

async function budget(aol: TestApp, id: string): Promise<{ attempts: number; spent: number }> {
  const [row] = await aol.sql<{ attempts: unknown; attempt_floor: unknown }>(
    'select attempts, attempt_floor from aol_actions where id = ?',
    [Number(id)],
  );
  return { attempts: Number(row.attempts), spent: Number(row.attempts) - Number(row.attempt_floor) };
}

/** The quiet hours that hold now: from this UTC hour to two hours later. */
function quietNow(): string {
  const hour = new Date().getUTCHours();
  const pad = (value: number) => String(value % 24).padStart(2, '0');
  return `mastodon=${pad(hour)}:00-${pad(hour + 2)}:00 UTC`;
}

describe.each(DRIVERS)('platform pacing on %s', (driver) => {
  const fresh = useFreshDatabase(driver);
  let sink: FakeMastodon;

  beforeEach(async () => {
    sink = await FakeMastodon.start({ token: TOKEN });
  });
  afterEach(async () => {
    await sink.close();
  });

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return realMastodonEnv(sink.url, TOKEN, extra);
  }

  it('a 429 with a reset 3 s ahead: the next request comes after the reset, SUCCESS, the retry budget unchanged', async () => {
    const aol = await fresh.start({ env: env() });
    await goLive(aol);
    const reset = new Date(Date.now() + 3000);
    sink.script({ status: 429, error: 'Too many requests', headers: { 'x-ratelimit-reset': reset.toISOString() } });
    const action = await enqueuePost(aol, 'limited');

    expect(await aol.tick()).toMatchObject({ attempted: 1, retried: 1 });
    expect(await getAction(aol, action.id)).toMatchObject({ status: 'RETRY', lastErrorCode: 'REMOTE_RATE_LIMITED' });
    expect(new Date((await getAction(aol, action.id)).runAfter).getTime()).toBeGreaterThanOrEqual(reset.getTime() - 50);
    expect(await budget(aol, action.id)).toEqual({ attempts: 1, spent: 0 });

    await waitFor(async () => ((await aol.tick()).succeeded === 1 ? true : undefined), 15_000, 'the retry after the reset');
    expect(sink.statusRequests).toHaveLength(2);
    expect(sink.statusRequests[1].at).toBeGreaterThanOrEqual(reset.getTime());
    expect(await getAction(aol, action.id)).toMatchObject({ status: 'SUCCESS', attempts: 2 });
    expect(await budget(aol, action.id)).toEqual({ attempts: 2, spent: 1 });
    expect((await logRows(aol, action.id)).map((log) => [log.outcome, log.error_code])).toEqual([
      ['FAILED', 'REMOTE_RATE_LIMITED'],
      ['SUCCESS', null],
    ]);
  });

  it("a rate limit lets the window's allowance start and holds the rest until a slot frees, spending no attempt", async () => {
    const aol = await fresh.start({ env: env({ AOL_RATE_LIMITS: 'mastodon=1/1h' }) });
    await goLive(aol);
    const posted = await enqueuePost(aol, 'paced-1');
    const waiting = await enqueuePost(aol, 'paced-2');
    expect(await aol.tick()).toMatchObject({ attempted: 1, succeeded: 1 });
    const held = await getAction(aol, waiting.id);
    expect(held).toMatchObject({ status: 'PENDING', attempts: 0, lastErrorCode: 'PLATFORM_RATE_LIMIT' });
    const [log] = await aol.sql<{ started_at: unknown }>('select started_at from aol_execution_logs where action_id = ?', [
      Number(posted.id),
    ]);
    const startedAt = driver === 'postgresql' ? new Date(log.started_at as string).getTime() : Number(log.started_at);
    // Held from the batch's start: when the slot the first one took frees again (it is counted from then on).
    expect(Math.abs(new Date(held.runAfter).getTime() - (startedAt + 3600_000))).toBeLessThan(5000);
    expect(sink.statusRequests).toHaveLength(1);
  });

  it('quiet hours hold across two instances on one database: nothing is sent, no attempt is spent', async () => {
    const first = await fresh.start({ env: env({ AOL_QUIET_HOURS: quietNow() }) });
    await goLive(first);
    const action = await enqueuePost(first, 'at-night');
    const bluesky = await enqueuePost(first, 'elsewhere', 'hello bluesky', 'bluesky');
    await first.tick();
    expect(await getAction(first, action.id)).toMatchObject({ status: 'PENDING', attempts: 0, lastErrorCode: 'QUIET_HOURS' });
    // Another platform is not held (it fails here only because no publisher serves it).
    expect((await getAction(first, bluesky.id)).lastErrorCode).toBe('REAL_RUN_UNCONFIGURED');
    await first.close();

    const second = await fresh.start({ env: env({ AOL_QUIET_HOURS: quietNow() }) });
    await makeDue(second, action.id);
    await second.tick();
    expect(await getAction(second, action.id)).toMatchObject({ status: 'PENDING', attempts: 0, lastErrorCode: 'QUIET_HOURS' });
    expect(sink.statusRequests).toHaveLength(0);
    expect(await logRows(second, action.id)).toEqual([]);
    expect((await ledgerRows(second)).at(-1)!.note).toMatch(/1 action\(s\) QUIET_HOURS/);
  });

  it('a daily cap holds across two instances: past it REAL posts stop until the next UTC day, and the action and the ledger say why', async () => {
    const caps = { AOL_DAILY_CAPS: 'mastodon=2', AOL_MAX_ACTIONS_PER_TICK: '3' };
    const first = await fresh.start({ env: env(caps) });
    await goLive(first);
    const ids = [];
    for (const key of ['cap-1', 'cap-2', 'cap-3']) ids.push((await enqueuePost(first, key)).id);
    expect(await first.tick()).toMatchObject({ attempted: 2, succeeded: 2 });
    const held = await getAction(first, ids[2]);
    expect(held).toMatchObject({ status: 'PENDING', attempts: 0, lastErrorCode: 'DAILY_CAP_REACHED' });
    const nextDay = new Date(Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000);
    expect(new Date(held.runAfter).getTime()).toBe(nextDay.getTime());
    expect((await ledgerRows(first)).at(-1)!.note).toMatch(/1 action\(s\) DAILY_CAP_REACHED/);
    await first.close();

    const second = await fresh.start({ env: env(caps) });
    const fourth = await enqueuePost(second, 'cap-4');
    await makeDue(second, ids[2]);
    expect(await second.tick()).toMatchObject({ attempted: 0 });
    for (const id of [ids[2], fourth.id]) {
      expect(await getAction(second, id)).toMatchObject({ status: 'PENDING', attempts: 0, lastErrorCode: 'DAILY_CAP_REACHED' });
    }
    expect(sink.statusRequests).toHaveLength(2);
  });
});
