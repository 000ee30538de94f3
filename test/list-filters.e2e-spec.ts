import { enqueuePost } from './support/actions';
import { DRIVERS } from './support/test-database';
import { useTestApp } from './support/test-app';

const ACTIONS = `query Actions($filter: ActionFilterInput, $first: Int!) {
  actions(filter: $filter, first: $first) { totalCount edges { node { idempotencyKey status lastErrorCode } } pageInfo { hasNextPage } }
}`;

const TICKS = `query Ticks($filter: TickFilterInput, $first: Int!) {
  ticks(filter: $filter, first: $first) { totalCount edges { node { id attempted } } pageInfo { hasNextPage } }
}`;

interface ActionsPage {
  actions: { totalCount: number; edges: Array<{ node: { idempotencyKey: string; status: string; lastErrorCode: string | null } }> };
}

interface TicksPage {
  ticks: { totalCount: number; edges: Array<{ node: { id: string; attempted: number } }>; pageInfo: { hasNextPage: boolean } };
}

describe.each(DRIVERS)('list filters and totals on %s', (driver) => {
  const aol = useTestApp(driver);
  const busyTickIds: string[] = [];

  beforeAll(async () => {
    // Ticks: idle, busy (runs two actions), idle, busy (runs one), idle.
    await aol.tick();
    await enqueuePost(aol, 'filter-a');
    await enqueuePost(aol, 'filter-b');
    busyTickIds.push(String((await aol.tick()).tick!.id));
    await aol.tick();
    await enqueuePost(aol, 'filter-c');
    busyTickIds.push(String((await aol.tick()).tick!.id));
    await aol.tick();
    // Pending ones, two of them marked as failed with codes (what a failed attempt leaves in last_error_code).
    for (const key of ['filter-d', 'filter-e', 'filter-f']) await enqueuePost(aol, key);
    await aol.sql("update aol_actions set last_error_code = 'RATE_LIMITED' where idempotency_key in ('filter-d', 'filter-e')");
  });

  async function actions(filter: Record<string, unknown> | null, first = 2): Promise<ActionsPage['actions']> {
    const response = await aol.graphql<ActionsPage>(ACTIONS, { filter, first });
    expect(response.errors).toBeUndefined();
    return response.data!.actions;
  }

  it('filters actions by idempotency key', async () => {
    const page = await actions({ idempotencyKey: 'filter-b' });
    expect(page).toEqual({
      totalCount: 1,
      edges: [{ node: { idempotencyKey: 'filter-b', status: 'SUCCESS', lastErrorCode: null } }],
      pageInfo: { hasNextPage: false },
    });
    expect(await actions({ idempotencyKey: 'no-such-key' })).toMatchObject({ totalCount: 0, edges: [] });
  });

  it("filters actions by their last attempt's error code, with the others of the filter", async () => {
    const page = await actions({ errorCode: 'RATE_LIMITED' }, 10);
    expect(page.totalCount).toBe(2);
    expect(page.edges.map((edge) => edge.node.idempotencyKey)).toEqual(['filter-e', 'filter-d']);
    expect(await actions({ errorCode: 'RATE_LIMITED', status: 'SUCCESS' })).toMatchObject({ totalCount: 0, edges: [] });
    expect(await actions({ errorCode: 'RATE_LIMITED', idempotencyKey: 'filter-d' })).toMatchObject({ totalCount: 1 });
  });

  it('counts every match, not only the page: by status from the kept counts, otherwise with a COUNT', async () => {
    expect(await actions(null)).toMatchObject({ totalCount: 6, pageInfo: { hasNextPage: true } });
    expect((await actions({ status: 'SUCCESS' })).totalCount).toBe(3);
    expect((await actions({ status: 'PENDING' })).totalCount).toBe(3);
    expect((await actions({ status: 'DLQ' })).totalCount).toBe(0);
    expect((await actions({ type: 'POST_SOCIAL', status: 'PENDING' })).totalCount).toBe(3);
    expect((await actions({ createdAfter: new Date(Date.now() + 60_000).toISOString() })).totalCount).toBe(0);
  });

  it('refuses a malformed key or code with BAD_USER_INPUT', async () => {
    for (const filter of [{ idempotencyKey: 'has space' }, { idempotencyKey: '' }, { errorCode: 'x'.repeat(101) }]) {
      const response = await aol.graphql(ACTIONS, { filter, first: 1 });
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('hides idle ticks (those that attempted nothing) with hideIdle, and counts what it keeps', async () => {
    const all = await aol.graphql<TicksPage>(TICKS, { filter: null, first: 100 });
    expect(all.data!.ticks.totalCount).toBe(5);
    const busy = await aol.graphql<TicksPage>(TICKS, { filter: { hideIdle: true }, first: 1 });
    expect(busy.data!.ticks).toEqual({
      totalCount: 2,
      edges: [{ node: { id: busyTickIds[1], attempted: 1 } }],
      pageInfo: { hasNextPage: true },
    });
    const shown = await aol.graphql<TicksPage>(TICKS, { filter: { hideIdle: false }, first: 100 });
    expect(shown.data!.ticks.totalCount).toBe(5);
  });

  it('keeps ticks started since a time', async () => {
    const [second] = await aol.sql<{ started_at: unknown }>('select started_at from aol_tick_ledger where id = ?', [
      Number(busyTickIds[0]),
    ]);
    const since = new Date(second.started_at as string | Date);
    const page = await aol.graphql<TicksPage>(TICKS, { filter: { since: since.toISOString(), hideIdle: true }, first: 10 });
    expect(page.data!.ticks.edges.map((edge) => edge.node.id)).toEqual([busyTickIds[1], busyTickIds[0]]);
    const future = await aol.graphql<TicksPage>(TICKS, { filter: { since: new Date(Date.now() + 60_000).toISOString() }, first: 10 });
    expect(future.data!.ticks).toMatchObject({ totalCount: 0, edges: [] });
    const bad = await aol.graphql(TICKS, { filter: { since: 'yesterday' }, first: 1 });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('gives the control events and the execution logs a totalCount too', async () => {
    await aol.graphql('mutation { pause(reason: "count me") { paused } }');
    const response = await aol.graphql<{ controlEvents: { totalCount: number }; executionLogs: { totalCount: number } }>(
      '{ controlEvents(first: 1) { totalCount } executionLogs(first: 1) { totalCount } }',
    );
    expect(response.data).toEqual({ controlEvents: { totalCount: 1 }, executionLogs: { totalCount: 3 } });
    const [action] = (await actions({ idempotencyKey: 'filter-a' })).edges;
    expect(action).toBeDefined();
    const one = await aol.graphql<{ actions: { edges: Array<{ node: { executionLogs: { totalCount: number } } }> } }>(
      '{ actions(filter: { idempotencyKey: "filter-a" }) { edges { node { executionLogs { totalCount } } } } }',
    );
    expect(one.data!.actions.edges[0].node.executionLogs.totalCount).toBe(1);
  });
});
