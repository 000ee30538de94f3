import { DRIVERS, TEST_POSTGRES_URL } from './support/test-database';
import { TestApp, useFreshDatabase } from './support/test-app';
import { enqueuePost, getAction, logRows } from './support/actions';
import { FakeMastodon, realMastodonEnv } from './support/fake-mastodon';
import { launchServer } from './support/aol-server';
import { requireBuild, waitFor } from './support/processes';
import { withClient } from './support/postgres-admin';
import sqlite3 from 'sqlite3';
import { ActionRunner } from '../src/orchestrator/action-runner';

const TOKEN = 'sink-token-0123456789';

function realEnv(sink: FakeMastodon): Record<string, string> {
  return realMastodonEnv(sink.url, TOKEN, { AOL_MASTODON_IDEMPOTENT: '0' });
}

/** Three REAL posts enqueued, the proof switch off; the fake holds the first request it gets. */
async function threeRealPosts(aol: TestApp, sink: FakeMastodon): Promise<string[]> {
  await aol.graphql('mutation { setProofMode(enabled: false, reason: "live") { proofMode } }');
  const ids: string[] = [];
  for (const key of ['first', 'second', 'third']) ids.push((await enqueuePost(aol, key)).id);
  sink.script({ hang: true });
  return ids;
}

interface Marks {
  status: string;
  attempts: number;
  started: boolean;
}

async function marks(aol: TestApp, ids: string[]): Promise<Marks[]> {
  const rows = await aol.sql<{ id: unknown; status: string; attempts: unknown; started_at: unknown }>(
    'select id, status, attempts, started_at from aol_actions order by id',
  );
  return ids.map((id) => {
    const row = rows.find((candidate) => String(candidate.id) === id)!;
    return { status: row.status, attempts: Number(row.attempts), started: row.started_at !== null };
  });
}

/** Ticks until the second and third actions are done (the database may need a tick or two to come back). */
async function tickUntilDone(aol: TestApp, ids: string[]): Promise<void> {
  await waitFor(
    async () => {
      await aol.tick();
      const rows = await marks(aol, ids);
      return rows[1].status === 'SUCCESS' && rows[2].status === 'SUCCESS' && rows[0].status !== 'RUNNING' ? true : undefined;
    },
    30_000,
    'the two unstarted actions to run',
  );
}

/** Only the attempt in flight is in doubt; the two never started run later exactly once, with one log row each. */
async function expectOnlyTheFirstInDoubt(aol: TestApp, sink: FakeMastodon, ids: string[]): Promise<void> {
  expect(await getAction(aol, ids[0])).toMatchObject({ status: 'NEEDS_REVIEW', lastErrorCode: 'OUTCOME_UNKNOWN', attempts: 1 });
  expect((await logRows(aol, ids[0])).map((log) => [Number(log.attempt), log.mode, log.outcome])).toEqual([[1, 'REAL', 'ABANDONED']]);
  for (const id of ids.slice(1)) {
    expect(await getAction(aol, id)).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expect((await logRows(aol, id)).map((log) => [Number(log.attempt), log.mode, log.outcome])).toEqual([[1, 'REAL', 'SUCCESS']]);
  }
  expect(sink.statusRequests).toHaveLength(3);
  expect(sink.statuses.map((status) => status.text)).toEqual(['hello from second', 'hello from third']);
}

describe.each(DRIVERS)('only what really started is in doubt, on %s', (driver) => {
  const fresh = useFreshDatabase(driver);
  let sink: FakeMastodon;

  beforeEach(async () => {
    sink = await FakeMastodon.start({ token: TOKEN, idempotent: false });
  });
  afterEach(async () => {
    await sink.close();
  });

  it('kill -9 of the leader while the first of three claimed REAL actions is in flight parks only that one', async () => {
    requireBuild();
    const aol = await fresh.start({ env: realEnv(sink) });
    const ids = await threeRealPosts(aol, sink);
    const leader = await launchServer({
      env: {
        ...realEnv(sink),
        DATABASE_URL: fresh.db.url,
        AOL_ARTIFACT_DIR: `${fresh.db.dir}/artifacts`,
        AOL_TICK_INTERVAL_MS: '200',
        AOL_MAX_ACTIONS_PER_TICK: '3',
        AOL_MIGRATE_ON_START: '0',
      },
      cwd: fresh.db.dir,
    });
    try {
      await waitFor(async () => (sink.statusRequests.length === 1 ? true : undefined), 20_000, 'the first request');
      // The claim took all three; only the one in flight was marked started before its call.
      expect(await marks(aol, ids)).toEqual([
        { status: 'RUNNING', attempts: 1, started: true },
        { status: 'RUNNING', attempts: 1, started: false },
        { status: 'RUNNING', attempts: 1, started: false },
      ]);
      leader.child.kill('SIGKILL');
      await leader.exited;
    } finally {
      await leader.stop();
    }
    // What time would do: the dead leader's lease runs out.
    const past = driver === 'postgresql' ? "now() - interval '1 second'" : "cast(round(unixepoch('subsec') * 1000) as integer) - 1000";
    await aol.sql(`update aol_lease set expires_at = ${past}`);

    // The new leader's rescue parks the first, gives the others back unchanged, then runs them.
    expect(await aol.tick()).toMatchObject({ outcome: 'SUCCESS', attempted: 2, succeeded: 2 });
    await expectOnlyTheFirstInDoubt(aol, sink, ids);
  });

  it('a failed recording while the first is in flight still parks only that one', async () => {
    const aol = await fresh.start({
      env: {
        ...realEnv(sink),
        AOL_MAX_ACTIONS_PER_TICK: '3',
        AOL_ACTION_TIMEOUT_SECONDS: '1',
        AOL_MAX_TICK_SECONDS: '2',
        AOL_LEASE_TTL_SECONDS: '5',
        AOL_TICK_INTERVAL_MS: '1000',
      },
    });
    const ids = await threeRealPosts(aol, sink);
    const database = await stoppableDatabase(driver, fresh.db.url);
    // The database comes back once the recording has given up (the runner's own retries spent).
    const runner = aol.app.get(ActionRunner);
    const record = runner.record.bind(runner);
    jest.spyOn(runner, 'record').mockImplementation(async (...args) => {
      try {
        return await record(...args);
      } catch (error) {
        await database.start();
        throw error;
      }
    });

    const tick = aol.tick();
    await waitFor(async () => (sink.statusRequests.length === 1 ? true : undefined), 20_000, 'the first request');
    await database.stop();
    // The first times out (its outcome unknown), its recording fails: the tick fails.
    expect((await tick).outcome).toBe('ERROR');
    await database.start();
    jest.restoreAllMocks();

    await tickUntilDone(aol, ids);
    await expectOnlyTheFirstInDoubt(aol, sink, ids);
  }, 90_000);
});

/**
 * The database stopped and started again, as the app sees it: on PostgreSQL, new connections
 * refused and the app's sessions terminated; on SQLite, another connection holding the file's
 * write lock (every write fails once the busy timeout passes).
 */
async function stoppableDatabase(driver: string, url: string): Promise<{ stop(): Promise<void>; start(): Promise<void> }> {
  if (driver === 'postgresql') {
    const name = new URL(url).pathname.slice(1);
    let stopped = false;
    return {
      stop: async () => {
        stopped = true;
        await withClient(TEST_POSTGRES_URL, async (client) => {
          await client.query(`alter database ${name} allow_connections false`);
          await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
        });
      },
      start: async () => {
        if (!stopped) return;
        stopped = false;
        await withClient(TEST_POSTGRES_URL, (client) => client.query(`alter database ${name} allow_connections true`));
      },
    };
  }
  const file = url.replace(/^sqlite:/, '');
  let holder: sqlite3.Database | null = null;
  const run = (handle: sqlite3.Database, statement: string) =>
    new Promise<void>((resolve, reject) => handle.run(statement, (error) => (error ? reject(error) : resolve())));
  return {
    stop: async () => {
      holder = await new Promise<sqlite3.Database>((resolve, reject) => {
        const handle = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(handle)));
      });
      await run(holder, 'begin exclusive');
    },
    start: async () => {
      const handle = holder;
      if (!handle) return;
      holder = null;
      await run(handle, 'rollback');
      await new Promise<void>((resolve) => handle.close(() => resolve()));
    },
  };
}
