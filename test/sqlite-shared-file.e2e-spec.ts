import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { graphqlRequest } from './support/graphql-client';
import { ENQUEUE_ACTION } from './support/actions';

/** SQLite is for one host, but two processes (say the service and the CLI) may share the file. */
describe('two instances on one SQLite file', () => {
  let db: TestDatabase;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    first = await startTestApp(db, { env: { AOL_INSTANCE_ID: 'sqlite-a', AOL_MAX_ACTIONS_PER_TICK: '5' } });
    second = await startTestApp(db, { env: { AOL_INSTANCE_ID: 'sqlite-b', AOL_MAX_ACTIONS_PER_TICK: '5' } });
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await db?.drop();
  });

  it('enqueues through both at once and runs every action exactly once, under one leader', async () => {
    const enqueues = Array.from({ length: 60 }, (_, i) =>
      graphqlRequest((i % 2 === 0 ? first : second).graphqlUrl, ENQUEUE_ACTION, {
        input: { type: 'POST_SOCIAL', idempotencyKey: `shared-${i % 40}`, payload: { platform: 'x', text: `post ${i % 40}` } },
      }),
    );
    const ticking = (async () => {
      const outcomes: string[] = [];
      for (let round = 0; round < 40; round += 1) {
        const [a, b] = await Promise.all([first.tick(), second.tick()]);
        outcomes.push(a.outcome, b.outcome);
      }
      return outcomes;
    })();
    const responses = await Promise.all(enqueues);
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    await ticking;
    for (let round = 0; round < 10; round += 1) await Promise.all([first.tick(), second.tick()]);

    expect(await first.sql('select status, count(*) as n from aol_actions group by status')).toEqual([{ status: 'SUCCESS', n: 40 }]);
    const perAction = await first.sql<{ n: number }>(
      "select count(*) as n from aol_execution_logs where outcome = 'SUCCESS' group by action_id",
    );
    expect(perAction).toHaveLength(40);
    expect(perAction.every((row) => row.n === 1)).toBe(true);
    const leaders = await first.sql<{ owner: string }>('select distinct owner from aol_tick_ledger where attempted > 0');
    expect(leaders).toHaveLength(1);
  });
});
