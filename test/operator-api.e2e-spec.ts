import { DRIVERS } from './support/test-database';
import { TestApp, useTestApp } from './support/test-app';
import { collectEvents, graphqlWsClient } from './support/graphql-client';
import { ENQUEUE_ACTION, ENQUEUE_ACTIONS, enqueuePost, getAction, makeDue } from './support/actions';
import { ExplodingHandler, withSocialHandler } from './support/test-handlers';

const ACTIONS_PAGE = `
  query Actions($first: Int, $after: String, $filter: ActionFilterInput) {
    actions(first: $first, after: $after, filter: $filter) {
      edges { cursor node { id idempotencyKey status } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function post(key: string, text = `text of ${key}`) {
  return { type: 'POST_SOCIAL', idempotencyKey: key, payload: { platform: 'mastodon', text } };
}

async function countActions(aol: TestApp): Promise<number> {
  return Number((await aol.sql<{ n: unknown }>('select count(*) as n from aol_actions'))[0].n);
}

/** Follows endCursor until the last page; returns every node and the number of pages. */
async function allPages<T>(fetchPage: (after: string | null) => Promise<Page<T>>): Promise<{ nodes: T[]; pages: number }> {
  const nodes: T[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const page = await fetchPage(after);
    pages += 1;
    nodes.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return { nodes, pages };
    after = page.pageInfo.endCursor;
  }
}

describe.each(DRIVERS)('the operator API on %s', (driver) => {
  let handler: ExplodingHandler | undefined;
  const aol = useTestApp(driver, {
    env: { AOL_MAX_ACTIONS_PER_TICK: '50', AOL_RETRY_BASE_SECONDS: '60' },
    override: withSocialHandler((real) => (handler = new ExplodingHandler(real, 'explode'))),
  });

  describe('queries', () => {
    it('pages through actions newest first, with filters, across pages', async () => {
      const response = await aol.graphql(ENQUEUE_ACTIONS, { inputs: Array.from({ length: 7 }, (_, i) => post(`page-${i}`)) });
      expect(response.errors).toBeUndefined();
      const { nodes, pages } = await allPages<{ idempotencyKey: string }>(async (after) => {
        const page = await aol.graphql<{ actions: Page<{ idempotencyKey: string }> }>(ACTIONS_PAGE, {
          first: 3,
          after,
          filter: { status: 'PENDING', type: 'POST_SOCIAL' },
        });
        expect(page.errors).toBeUndefined();
        return page.data!.actions;
      });
      expect(pages).toBe(3);
      expect(nodes.map((node) => node.idempotencyKey)).toEqual(Array.from({ length: 7 }, (_, i) => `page-${6 - i}`));

      const future = await aol.graphql<{ actions: Page<unknown> }>(ACTIONS_PAGE, {
        filter: { createdAfter: new Date(Date.now() + 60_000).toISOString() },
      });
      expect(future.data!.actions.edges).toEqual([]);
      const past = await aol.graphql<{ actions: Page<unknown> }>(ACTIONS_PAGE, {
        first: 100,
        filter: { createdBefore: new Date(Date.now() + 60_000).toISOString() },
      });
      expect(past.data!.actions.edges.length).toBe(await countActions(aol));
    });

    it('refuses a page larger than 100 and a cursor it did not give out', async () => {
      expect((await aol.graphql(ACTIONS_PAGE, { first: 101 })).errors?.[0]).toMatchObject({
        message: 'first must be at most 100',
        extensions: { code: 'BAD_USER_INPUT' },
      });
      expect((await aol.graphql(ACTIONS_PAGE, { after: 'bm90LWEtY3Vyc29y' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect((await aol.graphql('{ ticks(first: 0) { edges { cursor } } }')).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('shows an action with its execution logs, the ticks and the logs, each paginated', async () => {
      await aol.tick(); // at least three ticks, so two make a page with a next one
      const action = await enqueuePost(aol, 'with-logs', 'please explode');
      await aol.tick();
      await makeDue(aol, action.id);
      await aol.tick();
      const response = await aol.graphql(
        `query($id: ID!) {
          action(id: $id) { status attempts executionLogs(first: 1) { edges { node { attempt outcome errorCode } } pageInfo { hasNextPage endCursor } } }
          executionLogs(actionId: $id, first: 5) { edges { node { actionId attempt mode } } }
          ticks(first: 2) { edges { node { id outcome attempted } } pageInfo { hasNextPage } }
        }`,
        { id: action.id },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.action).toMatchObject({
        status: 'RETRY',
        attempts: 2,
        executionLogs: {
          edges: [{ node: { attempt: 2, outcome: 'FAILED', errorCode: 'ACTION_FAILED' } }],
          pageInfo: { hasNextPage: true },
        },
      });
      expect(response.data!.executionLogs.edges.map((edge: { node: { attempt: number } }) => edge.node.attempt)).toEqual([2, 1]);
      expect(response.data!.ticks.edges).toHaveLength(2);
      expect(response.data!.ticks.pageInfo.hasNextPage).toBe(true);
    });

    it('reports the autonomy status: lease, flags with who/why/when, counts, oldest due action, mode and why', async () => {
      await aol.graphql(ENQUEUE_ACTION, { input: { ...post('status-due') } });
      const response = await aol.graphql(`{
        autonomyStatus {
          lease { owner epoch expiresInSeconds }
          flags { paused killed proofMode reason updatedBy updatedAt }
          lastTick { outcome }
          queue { pending running retry dlq success cancelled needsReview }
          oldestDueAgeSeconds mode modeReason instanceId leader
        }
      }`);
      expect(response.errors).toBeUndefined();
      const status = response.data!.autonomyStatus;
      expect(status.lease.owner).toBe(aol.config.instanceId);
      expect(status.lease.expiresInSeconds).toBeGreaterThan(0);
      expect(status.flags).toMatchObject({ paused: false, killed: false, proofMode: true, updatedBy: 'migration' });
      expect(status.queue.pending).toBeGreaterThan(0);
      expect(status.oldestDueAgeSeconds).toBeGreaterThanOrEqual(0);
      expect(status).toMatchObject({ mode: 'PROOF', modeReason: expect.stringContaining('AOL_PROOF_MODE=1'), leader: true });
    });
  });

  describe('enqueueing', () => {
    it('returns the existing action for the same key and payload, refuses a different payload, and changes nothing', async () => {
      const first = await aol.graphql(ENQUEUE_ACTION, { input: post('same-key', 'one') });
      const again = await aol.graphql(ENQUEUE_ACTION, { input: post('same-key', 'one') });
      expect(again.data!.enqueueAction).toMatchObject({ created: false, action: { id: first.data!.enqueueAction.action.id } });
      const before = await countActions(aol);
      const conflict = await aol.graphql(ENQUEUE_ACTION, { input: post('same-key', 'two') });
      expect(conflict.errors?.[0].extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
      expect(await countActions(aol)).toBe(before);
    });

    it('schedules with runAfter and runs higher priority first', async () => {
      await aol.tick(); // drain what earlier tests left
      const later = await aol.graphql(ENQUEUE_ACTION, {
        input: { ...post('scheduled'), runAfter: new Date(Date.now() + 3_600_000).toISOString() },
      });
      const low = await enqueuePost(aol, 'prio-low');
      const high = await aol.graphql(ENQUEUE_ACTION, { input: { ...post('prio-high'), priority: 10 } });
      const started: string[] = [];
      const client = graphqlWsClient(aol.graphqlUrl);
      const { done } = collectEvents<{ actionUpdated: { idempotencyKey: string } }>(
        client,
        'subscription { actionUpdated(status: RUNNING) { idempotencyKey } }',
        2,
      );
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscription start
      await aol.tick();
      started.push(...(await done).map((event) => event.actionUpdated.idempotencyKey));
      await client.dispose();
      expect(started).toEqual(['prio-high', 'prio-low']);
      expect((await getAction(aol, later.data!.enqueueAction.action.id)).status).toBe('PENDING');
      expect((await getAction(aol, low.id)).status).toBe('SUCCESS');
      expect(high.data!.enqueueAction.action.status).toBe('PENDING');
    });

    it('enqueues many in one call, all or nothing, results in input order', async () => {
      const inputs = [post('bulk-a'), post('bulk-b'), post('bulk-a'), post('bulk-c')];
      const response = await aol.graphql(ENQUEUE_ACTIONS, { inputs });
      expect(response.errors).toBeUndefined();
      const results = response.data!.enqueueActions as Array<{ created: boolean; action: { id: string; idempotencyKey: string } }>;
      expect(results.map((result) => [result.action.idempotencyKey, result.created])).toEqual([
        ['bulk-a', true],
        ['bulk-b', true],
        ['bulk-a', false],
        ['bulk-c', true],
      ]);
      expect(results[0].action.id).toBe(results[2].action.id);

      const before = await countActions(aol);
      const conflicting = await aol.graphql(ENQUEUE_ACTIONS, { inputs: [post('bulk-d'), post('bulk-a', 'changed')] });
      expect(conflicting.errors?.[0].extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
      const invalid = await aol.graphql(ENQUEUE_ACTIONS, { inputs: [post('bulk-e'), { ...post('bulk-f'), payload: { platform: 'x' } }] });
      expect(invalid.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/^inputs\[1\]: Invalid POST_SOCIAL payload/),
        extensions: { code: 'BAD_USER_INPUT' },
      });
      const tooMany = await aol.graphql(ENQUEUE_ACTIONS, { inputs: Array.from({ length: 1001 }, (_, i) => post(`many-${i}`)) });
      expect(tooMany.errors?.[0]).toMatchObject({
        message: 'At most 1000 actions per call (got 1001)',
        extensions: { code: 'BAD_USER_INPUT' },
      });
      expect(await countActions(aol)).toBe(before);
    });
  });

  describe('cancel and retry', () => {
    it('cancels only what has not started, recording who and why', async () => {
      const action = await enqueuePost(aol, 'to-cancel');
      const cancelled = await aol.graphql('mutation($id: ID!) { cancelAction(id: $id, reason: "duplicate post") { status finishedAt } }', {
        id: action.id,
      });
      expect(cancelled.data!.cancelAction.status).toBe('CANCELLED');
      const again = await aol.graphql('mutation($id: ID!) { cancelAction(id: $id, reason: "again") { status } }', { id: action.id });
      expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_STATE', status: 'CANCELLED' } });
      const missing = await aol.graphql('mutation { cancelAction(id: "987654", reason: "x") { status } }');
      expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      const events = await aol.sql<{ kind: string; actor: string; reason: string; action_id: unknown }>(
        'select kind, actor, reason, action_id from aol_control_events where action_id = ? order by id',
        [Number(action.id)],
      );
      expect(events.map((event) => [event.kind, event.actor, event.reason])).toEqual([['CANCEL_ACTION', 'anonymous', 'duplicate post']]);
    });

    it('retries a DLQ action with a fresh budget, and refuses to retry one that is not in DLQ', async () => {
      const action = await enqueuePost(aol, 'to-retry', 'explode every time');
      await aol.tick();
      for (let i = 0; i < 3; i += 1) {
        await makeDue(aol, action.id);
        await aol.tick();
      }
      expect(await getAction(aol, action.id)).toMatchObject({ status: 'DLQ', attempts: 4 });
      const pending = await enqueuePost(aol, 'not-dead');
      const refused = await aol.graphql('mutation($id: ID!) { retryAction(id: $id, reason: "try") { status } }', { id: pending.id });
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE', status: 'PENDING' });

      const retried = await aol.graphql(
        'mutation($id: ID!) { retryAction(id: $id, reason: "adapter fixed") { status attempts lastError } }',
        { id: action.id },
      );
      expect(retried.data!.retryAction).toMatchObject({ status: 'PENDING', attempts: 4, lastError: 'adapter exploded on attempt 4' });
      await aol.tick();
      expect(await getAction(aol, action.id)).toMatchObject({ status: 'RETRY', attempts: 5 });
      for (let i = 0; i < 3; i += 1) {
        await makeDue(aol, action.id);
        await aol.tick();
      }
      expect(await getAction(aol, action.id)).toMatchObject({ status: 'DLQ', attempts: 8 });
      expect(handler!.calls).toBeGreaterThanOrEqual(8);
    });
  });

  describe('the switchboard', () => {
    it('records every change with actor and reason in the control events, newest first, paginated', async () => {
      const actor = { 'x-aol-actor': 'alice' };
      for (const mutation of [
        'pause(reason: "deploy") { paused }',
        'resume(reason: "deployed") { paused }',
        'kill(reason: "incident") { killed }',
        'revive(reason: "resolved") { killed }',
        'setProofMode(enabled: true, reason: "stay safe") { proofMode }',
      ]) {
        const response = await aol.graphql(`mutation { ${mutation} }`, undefined, actor);
        expect(response.errors).toBeUndefined();
      }
      const { nodes } = await allPages<{ kind: string; actor: string; reason: string; details: unknown }>(async (after) => {
        const page = await aol.graphql(
          'query($after: String) { controlEvents(first: 2, after: $after) { edges { node { kind actor reason details } } pageInfo { hasNextPage endCursor } } }',
          { after },
        );
        return page.data!.controlEvents;
      });
      expect(nodes.slice(0, 5).map((event) => [event.kind, event.actor, event.reason, event.details])).toEqual([
        ['SET_PROOF_MODE', 'anonymous:alice', 'stay safe', { proofMode: true }],
        ['REVIVE', 'anonymous:alice', 'resolved', { killed: false }],
        ['KILL', 'anonymous:alice', 'incident', { killed: true }],
        ['RESUME', 'anonymous:alice', 'deployed', { paused: false }],
        ['PAUSE', 'anonymous:alice', 'deploy', { paused: true }],
      ]);
    });

    it('needs a reason: a missing one fails validation, a blank one or one with a NUL character is BAD_USER_INPUT, and none changes anything', async () => {
      const before = await aol.sql('select count(*) as n from aol_control_events');
      expect((await aol.graphql('mutation { pause { paused } }')).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await aol.graphql('mutation { pause(reason: "   ") { paused } }')).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(
        (await aol.graphql('mutation($reason: String!) { pause(reason: $reason) { paused } }', { reason: 'a\u0000b' })).errors?.[0],
      ).toMatchObject({
        message: expect.stringMatching(/NUL character/),
        extensions: { code: 'BAD_USER_INPUT' },
      });
      expect(await aol.sql('select count(*) as n from aol_control_events')).toEqual(before);
      expect((await aol.graphql('{ controlFlags { paused } }')).data).toEqual({ controlFlags: { paused: false } });
    });
  });

  describe('subscriptions', () => {
    it('delivers actionUpdated for one action, controlFlagsChanged and executionLogged', async () => {
      const action = await enqueuePost(aol, 'watched');
      const client = graphqlWsClient(aol.graphqlUrl);
      try {
        const updates = collectEvents<{ actionUpdated: { id: string; status: string } }>(
          client,
          `subscription { actionUpdated(id: "${action.id}") { id status } }`,
          2,
        );
        const logs = collectEvents<{ executionLogged: { actionId: string; outcome: string } }>(
          client,
          `subscription { executionLogged(actionId: "${action.id}") { actionId outcome } }`,
          1,
        );
        const flags = collectEvents<{ controlFlagsChanged: { paused: boolean; reason: string } }>(
          client,
          'subscription { controlFlagsChanged { paused reason } }',
          2,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        await enqueuePost(aol, 'not-watched');
        await aol.tick();
        await aol.graphql('mutation { pause(reason: "watch") { paused } }');
        await aol.graphql('mutation { resume(reason: "watched") { paused } }');
        expect(await updates.done).toEqual([
          { actionUpdated: { id: action.id, status: 'RUNNING' } },
          { actionUpdated: { id: action.id, status: 'SUCCESS' } },
        ]);
        expect(await logs.done).toEqual([{ executionLogged: { actionId: action.id, outcome: 'SUCCESS' } }]);
        expect(await flags.done).toEqual([
          { controlFlagsChanged: { paused: true, reason: 'watch' } },
          { controlFlagsChanged: { paused: false, reason: 'watched' } },
        ]);
      } finally {
        await client.dispose();
      }
    });
  });

  it('keeps the queue counts equal to a count of the rows, through every kind of change', async () => {
    const response = await aol.graphql('{ autonomyStatus { queue { pending running retry dlq success cancelled needsReview } } }');
    const scanned = await aol.sql<{ status: string; n: unknown }>('select status, count(*) as n from aol_actions group by status');
    const byStatus = Object.fromEntries(scanned.map((row) => [row.status, Number(row.n)]));
    expect(response.data!.autonomyStatus.queue).toEqual({
      pending: byStatus.PENDING ?? 0,
      running: byStatus.RUNNING ?? 0,
      retry: byStatus.RETRY ?? 0,
      dlq: byStatus.DLQ ?? 0,
      success: byStatus.SUCCESS ?? 0,
      cancelled: byStatus.CANCELLED ?? 0,
      needsReview: byStatus.NEEDS_REVIEW ?? 0,
    });
    expect(Object.keys(byStatus).length).toBeGreaterThanOrEqual(4);
  });
});
