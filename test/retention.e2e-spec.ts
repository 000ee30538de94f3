import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DRIVERS } from './support/test-database';
import { useTestDatabase } from './support/test-app';
import { requireBuild, waitFor } from './support/processes';
import { launchServer, LaunchedServer } from './support/aol-server';
import { graphqlRequest } from './support/graphql-client';
import { runSql } from './support/raw-sql';

const DAY_MS = 86_400_000;

describe.each(DRIVERS)('retention on %s', (driver) => {
  const db = useTestDatabase(driver);
  let server: LaunchedServer | undefined;
  const artifactDir = () => join(db.dir, 'artifacts');

  beforeAll(requireBuild);

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const start = async (env: Record<string, string>) => {
    server = await launchServer({
      env: {
        DATABASE_URL: db.url,
        AOL_TICK_INTERVAL_MS: '100',
        AOL_ARTIFACT_DIR: artifactDir(),
        AOL_RETENTION_INTERVAL_SECONDS: '1',
        ...env,
      },
      cwd: db.dir,
    });
    return server;
  };
  const stop = async () => {
    expect(await server!.stop()).toEqual({ code: 0, signal: null });
    server = undefined;
  };
  const gql = async (query: string) => {
    const response = await graphqlRequest(server!.graphqlUrl, query);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data!;
  };
  const enqueue = async (key: string, runAfter?: string) =>
    Number(
      (
        await gql(
          `mutation { enqueueAction(input: { type: POST_SOCIAL, idempotencyKey: "${key}", payload: { platform: "mastodon", text: "${key}" }${
            runAfter ? `, runAfter: "${runAfter}"` : ''
          } }) { action { id } } }`,
        )
      ).enqueueAction.action.id,
    );
  const backDate = (table: string, column: string) =>
    runSql(
      db,
      driver === 'postgresql'
        ? `update ${table} set ${column} = ${column} - interval '10 days'`
        : `update ${table} set ${column} = ${column} - ${10 * DAY_MS}`,
    );
  const count = async (statement: string) => Number((await runSql<{ n: unknown }>(db, statement))[0].n);
  const statuses = async () =>
    Object.fromEntries(
      (await runSql<{ id: unknown; status: string }>(db, 'select id, status from aol_actions order by id')).map((row) => [
        Number(row.id),
        row.status,
      ]),
    );

  it('removes old idle ledger rows by default and finished actions with their logs and files only when enabled; never what waits', async () => {
    // Work to keep and to prune: one action run to SUCCESS (a log row, an artifact), one
    // cancelled by an operator (a control event names it), and actions left PENDING, DLQ,
    // NEEDS_REVIEW and CANCELLED.
    await start({ AOL_RETAIN_IDLE_TICKS_DAYS: '0' });
    const done = await enqueue('done');
    const artifactRef = await waitFor(async () => {
      const action = (await gql(`{ action(id: "${done}") { status artifactRef } }`)).action;
      return action.status === 'SUCCESS' ? (action.artifactRef as string) : undefined;
    }, 10_000);
    expect(existsSync(join(artifactDir(), artifactRef))).toBe(true);
    const later = new Date(Date.now() + 300 * DAY_MS).toISOString();
    const [pending, dlq, review, cancelled, cancelledByOperator] = [
      await enqueue('pending', later),
      await enqueue('dlq', later),
      await enqueue('review', later),
      await enqueue('cancelled', later),
      await enqueue('operator', later),
    ];
    await gql(`mutation { cancelAction(id: "${cancelledByOperator}", reason: "not wanted") { status } }`);
    // A few idle ticks (every 100 ms) to prune.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await stop();
    await runSql(db, `update aol_actions set status = 'DLQ' where id = ${dlq}`);
    await runSql(db, `update aol_actions set status = 'NEEDS_REVIEW' where id = ${review}`);
    await runSql(db, `update aol_actions set status = 'CANCELLED' where id = ${cancelled}`);
    for (const [table, column] of [
      ['aol_tick_ledger', 'started_at'],
      ['aol_actions', 'created_at'],
      ['aol_actions', 'updated_at'],
    ])
      await backDate(table, column);
    const working = await runSql<{ id: unknown }>(db, 'select id from aol_tick_ledger where attempted > 0');
    expect(working).toHaveLength(1);
    const lastOldTick = await count('select max(id) as n from aol_tick_ledger');
    expect(await count('select count(*) as n from aol_tick_ledger where attempted = 0')).toBeGreaterThan(3);

    // By default: the old idle rows go, the working tick and every action stay.
    await start({});
    await waitFor(
      async () =>
        (await count(`select count(*) as n from aol_tick_ledger where attempted = 0 and id <= ${lastOldTick}`)) === 0 ? true : undefined,
      15_000,
      'the old idle ledger rows to go',
    );
    expect(await count(`select count(*) as n from aol_tick_ledger where id = ${Number(working[0].id)}`)).toBe(1);
    expect(await count(`select count(*) as n from aol_tick_ledger where id > ${lastOldTick}`)).toBeGreaterThan(0);
    expect(Object.keys(await statuses())).toHaveLength(6);
    await stop();

    // Enabled: SUCCESS and CANCELLED go with their logs and files; what waits, and what an operator touched, stays.
    await start({ AOL_RETAIN_FINISHED_ACTIONS_DAYS: '7' });
    await waitFor(async () => (Object.keys(await statuses()).length === 4 ? true : undefined), 15_000, 'the finished actions to go');
    expect(await statuses()).toEqual({ [pending]: 'PENDING', [dlq]: 'DLQ', [review]: 'NEEDS_REVIEW', [cancelledByOperator]: 'CANCELLED' });
    expect(await count(`select count(*) as n from aol_execution_logs where action_id = ${done}`)).toBe(0);
    expect(existsSync(join(artifactDir(), artifactRef))).toBe(false);
    expect(await count('select count(*) as n from aol_control_events')).toBeGreaterThan(0);
    expect(server!.output()).toMatch(
      /Retention removed 0 idle ledger row\(s\), 2 finished action\(s\), 1 log row\(s\), 1 artifact file\(s\)/,
    );
    expect(server!.output()).not.toMatch(/Retention round failed/);
    const metrics = await (await fetch(server!.graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).toMatch(/^aol_pruned_total\{kind="finishedActions"\} 2$/m);
    expect(metrics).toMatch(/^aol_pruned_total\{kind="actionLogs"\} 1$/m);
    // The trigger-kept counts agree with the rows.
    const counted = (await gql('{ autonomyStatus { queue { pending dlq needsReview cancelled success } } }')).autonomyStatus.queue;
    expect(counted).toEqual({ pending: 1, dlq: 1, needsReview: 1, cancelled: 1, success: 0 });
  });
});
