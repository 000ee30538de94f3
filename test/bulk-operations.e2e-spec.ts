import { DRIVERS } from './support/test-database';
import { TestApp, useFreshDatabase } from './support/test-app';
import { SqlDatabase } from '../src/database/sql-database';

const RETRY = `mutation($filter: BulkActionFilterInput!, $limit: Int) {
  retryActions(filter: $filter, reason: "upstream fixed", limit: $limit) { changed remaining eventId }
}`;
const CANCEL = `mutation($filter: BulkActionFilterInput!, $limit: Int) {
  cancelActions(filter: $filter, reason: "no longer wanted", limit: $limit) { changed remaining eventId }
}`;

/** `count` parked actions in one statement, ids in order, created an hour ago, with `errorCode` as their last error. */
async function insertParked(aol: TestApp, count: number, status: string, errorCode: string, prefix: string): Promise<void> {
  const postgres = aol.config.database.driver === 'postgresql';
  const past = postgres ? "now() - interval '1 hour'" : "cast(round(unixepoch('subsec') * 1000) as integer) - 3600000";
  const payload = `'{"platform":"mastodon","text":"parked"}'`;
  await aol.sql(
    `with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
     insert into aol_actions (idempotency_key, type, payload, status, attempts, attempt_floor, priority, run_after, last_error_code, last_error, rescues, created_at, updated_at, finished_at)
     select ? || cast(i as text), 'POST_SOCIAL', ${postgres ? `${payload}::jsonb` : payload}, ?, 5, 0, 0, ${past}, ?, 'failed', 0, ${past}, ${past}, ${past} from n`,
    [count, prefix, status, errorCode],
  );
}

async function counted(aol: TestApp, status: string): Promise<{ rows: number; kept: number }> {
  const [rows] = await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions where status = ?', [status]);
  const [kept] = await aol.sql<{ n: unknown }>('select coalesce(sum(n), 0) as n from aol_queue_counts where status = ?', [status]);
  return { rows: Number(rows.n), kept: Number(kept.n) };
}

describe.each(DRIVERS)('bulk retry and cancel by filter on %s', (driver) => {
  const fresh = useFreshDatabase(driver);

  it('retries 5,000 DLQ actions in batches, each its own transaction with a tick able to run between two, recorded by one control event', async () => {
    const aol = await fresh.start();
    // Paused, a tick still runs (lease, switchboard, a ledger row each time) but starts nothing: the 5,000 stay PENDING.
    await aol.graphql('mutation { pause(reason: "hold the retried ones") { paused } }');
    await insertParked(aol, 5000, 'DLQ', 'HTTP_500', 'dlq-');

    // After each transaction the retry commits, a whole tick runs, writing its own ledger row:
    // were the batches one transaction (or a lock held from one to the next), it could not.
    const db = aol.app.get(SqlDatabase);
    const transaction = db.transaction.bind(db);
    const ticksBetween: string[] = [];
    let ticking = false;
    jest.spyOn(db, 'transaction').mockImplementation(async (work) => {
      const result = await transaction(work);
      if (!ticking) {
        ticking = true;
        ticksBetween.push((await aol.tick()).outcome);
        ticking = false;
      }
      return result;
    });
    const response = await aol.graphql(RETRY, { filter: { status: 'DLQ' } });
    jest.restoreAllMocks();
    expect(response.errors).toBeUndefined();
    expect(response.data!.retryActions).toMatchObject({ changed: 5000, remaining: 0 });
    // 5,000 in batches of 500: ten transactions, and an eleventh that finds none left; a tick after each.
    expect(ticksBetween).toEqual(Array.from({ length: 11 }, () => 'PAUSED'));

    expect(await counted(aol, 'PENDING')).toEqual({ rows: 5000, kept: 5000 });
    expect(await counted(aol, 'DLQ')).toEqual({ rows: 0, kept: 0 });
    const [budget] = await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions where attempt_floor = attempts and attempts = 5');
    expect(Number(budget.n)).toBe(5000);
    const events = await aol.graphql('{ controlEvents(first: 10) { edges { node { id kind actor reason actionId details } } } }');
    const bulk = (events.data!.controlEvents.edges as Array<{ node: Record<string, unknown> }>)
      .map((edge) => edge.node)
      .filter((event) => event.kind === 'RETRY_ACTION');
    expect(bulk).toEqual([
      {
        id: response.data!.retryActions.eventId,
        kind: 'RETRY_ACTION',
        actor: 'anonymous',
        reason: 'upstream fixed',
        actionId: null,
        details: { bulk: 'retry', filter: { status: 'DLQ' }, limit: 10000, changed: 5000 },
      },
    ]);
  }, 60_000);

  it('narrows by type, error code and creation time, stops at the limit and says how many remain', async () => {
    const aol = await fresh.start();
    await insertParked(aol, 30, 'NEEDS_REVIEW', 'OUTCOME_UNKNOWN', 'review-');
    await insertParked(aol, 5, 'NEEDS_REVIEW', 'RESCUED_TOO_OFTEN', 'often-');
    const filter = { status: 'NEEDS_REVIEW', type: 'POST_SOCIAL', errorCode: 'OUTCOME_UNKNOWN', createdBefore: new Date().toISOString() };

    const first = await aol.graphql(CANCEL, { filter, limit: 20 });
    expect(first.data!.cancelActions).toMatchObject({ changed: 20, remaining: 10 });
    const rest = await aol.graphql(CANCEL, { filter });
    expect(rest.data!.cancelActions).toMatchObject({ changed: 10, remaining: 0 });
    expect(await counted(aol, 'CANCELLED')).toEqual({ rows: 30, kept: 30 });
    expect(await counted(aol, 'NEEDS_REVIEW')).toEqual({ rows: 5, kept: 5 });
    const late = await aol.graphql(RETRY, { filter: { status: 'NEEDS_REVIEW', createdAfter: new Date().toISOString() } });
    expect(late.data!.retryActions).toMatchObject({ changed: 0, remaining: 0 });
    const [events] = await aol.sql<{ n: unknown }>(
      "select count(*) as n from aol_control_events where kind in ('CANCEL_ACTION', 'RETRY_ACTION')",
    );
    expect(Number(events.n)).toBe(3);
  });

  it('refuses a status other than DLQ or NEEDS_REVIEW, and a limit above 10,000, changing nothing', async () => {
    const aol = await fresh.start();
    await insertParked(aol, 3, 'DLQ', 'HTTP_500', 'refused-');
    const wrongStatus = await aol.graphql(RETRY, { filter: { status: 'PENDING' } });
    expect(wrongStatus.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const tooMany = await aol.graphql(CANCEL, { filter: { status: 'DLQ' }, limit: 10_001 });
    expect(tooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/10000/) });
    expect(await counted(aol, 'DLQ')).toEqual({ rows: 3, kept: 3 });
    expect(await aol.sql('select id from aol_control_events')).toEqual([]);
  });
});
