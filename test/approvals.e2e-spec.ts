import { createHash } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DRIVERS } from './support/test-database';
import { TestApp, useFreshDatabase } from './support/test-app';
import { logRows } from './support/actions';
import { FakeMastodon } from './support/fake-mastodon';

const TOKEN = 'tok_e2e-Approvals-S3cret-4c1d';

const ACTION_FIELDS = `id status attempts lastErrorCode lastError remoteId remoteUrl enqueuedBy
  approvedBy approvedAt approvalReason approvedPayloadHash finishedAt`;

interface ApprovalView {
  id: string;
  status: string;
  attempts: number;
  lastErrorCode: string | null;
  lastError: string | null;
  remoteId: string | null;
  remoteUrl: string | null;
  enqueuedBy: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  approvalReason: string | null;
  approvedPayloadHash: string | null;
  finishedAt: string | null;
}

interface ControlEventView {
  kind: string;
  actor: string;
  reason: string;
  actionId: string | null;
  details: Record<string, unknown> | null;
}

const AGENT = { 'x-aol-actor': 'agent-7' };
const PERSON = { 'x-aol-actor': 'alice' };

/** SHA-256 of the canonical JSON of a payload whose keys are already in order. */
function sha256(payload: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}

async function mutate<T>(aol: TestApp, query: string, variables: Record<string, unknown>, headers = PERSON): Promise<T> {
  const response = await aol.graphql<T>(query, variables, headers);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!;
}

async function enqueue(aol: TestApp, key: string, text = `hello from ${key}`): Promise<ApprovalView> {
  const data = await mutate<{ enqueueAction: { action: ApprovalView } }>(
    aol,
    `mutation ($input: EnqueueActionInput!) { enqueueAction(input: $input) { action { ${ACTION_FIELDS} } } }`,
    { input: { type: 'POST_SOCIAL', idempotencyKey: key, payload: { platform: 'mastodon', text } } },
    AGENT,
  );
  return data.enqueueAction.action;
}

async function action(aol: TestApp, id: string): Promise<ApprovalView> {
  return (await mutate<{ action: ApprovalView }>(aol, `query ($id: ID!) { action(id: $id) { ${ACTION_FIELDS} } }`, { id })).action;
}

async function operate(aol: TestApp, verb: string, id: string, reason: string, extra = ''): Promise<ApprovalView> {
  const data = await mutate<Record<string, ApprovalView>>(
    aol,
    `mutation ($id: ID!, $reason: String!) { ${verb}(id: $id, reason: $reason${extra}) { ${ACTION_FIELDS} } }`,
    { id, reason },
  );
  return data[verb];
}

async function controlEvents(aol: TestApp): Promise<ControlEventView[]> {
  const data = await mutate<{ controlEvents: { edges: Array<{ node: ControlEventView }> } }>(
    aol,
    '{ controlEvents(first: 50) { edges { node { kind actor reason actionId details } } } }',
    {},
  );
  return data.controlEvents.edges.map((edge) => edge.node);
}

/** Puts an action where a crash leaves an attempt whose outcome is unknown. */
async function parkForReview(aol: TestApp, id: string): Promise<void> {
  await aol.sql(
    `update aol_actions set status = 'NEEDS_REVIEW', attempts = 1, last_error_code = 'OUTCOME_UNKNOWN', last_error = 'leader died mid-post' where id = ?`,
    [Number(id)],
  );
}

async function ticks(aol: TestApp, count: number): Promise<void> {
  for (let tick = 0; tick < count; tick += 1) await aol.tick();
}

/**
 * A person in the loop, in REAL mode against a local Mastodon that records every request it
 * receives before it answers: under the default policy (AOL_APPROVAL=real) nothing is sent
 * until someone approves, an approval binds to the payload it saw, and an unknown outcome is
 * settled by what someone found, never by posting again.
 */
describe.each(DRIVERS)('approvals and resolutions on %s', (driver) => {
  const fresh = useFreshDatabase(driver);
  let fake: FakeMastodon;
  let aol: TestApp;

  async function startReal(env: Record<string, string> = {}): Promise<TestApp> {
    const app = await fresh.start({
      env: { AOL_PROOF_MODE: '0', AOL_MASTODON_BASE_URL: fake.url, AOL_MASTODON_ACCESS_TOKEN: TOKEN, AOL_RETRY_BASE_SECONDS: '60', ...env },
    });
    await mutate(app, 'mutation { setProofMode(enabled: false, reason: "posting to the fake Mastodon") { proofMode } }', {});
    return app;
  }

  beforeEach(async () => {
    fake = await FakeMastodon.start({ token: TOKEN });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('holds a REAL post for approval: nothing is sent over 5 ticks; the approval sends exactly one request', async () => {
    aol = await startReal();
    const enqueued = await enqueue(aol, 'needs-a-person', 'Launch day');
    expect(enqueued).toMatchObject({ status: 'AWAITING_APPROVAL', attempts: 0, enqueuedBy: 'anonymous:agent-7', approvedBy: null });

    await ticks(aol, 5);
    expect(fake.requests).toHaveLength(0);
    expect(await action(aol, enqueued.id)).toMatchObject({ status: 'AWAITING_APPROVAL', attempts: 0 });
    const status = await mutate<{ autonomyStatus: { queue: Record<string, number> } }>(
      aol,
      '{ autonomyStatus { queue { pending awaitingApproval rejected } } }',
      {},
    );
    expect(status.autonomyStatus.queue).toEqual({ pending: 0, awaitingApproval: 1, rejected: 0 });

    const approved = await operate(aol, 'approveAction', enqueued.id, 'checked the wording');
    expect(approved).toMatchObject({
      status: 'PENDING',
      approvedBy: 'anonymous:alice',
      approvalReason: 'checked the wording',
      approvedPayloadHash: sha256({ platform: 'mastodon', text: 'Launch day' }),
    });
    expect(approved.approvedAt).not.toBeNull();

    await ticks(aol, 3);
    expect(fake.requests).toHaveLength(1);
    expect(fake.statuses.map((s) => s.text)).toEqual(['Launch day']);
    expect(await action(aol, enqueued.id)).toMatchObject({ status: 'SUCCESS', attempts: 1, remoteId: fake.statuses[0].id });
    expect((await controlEvents(aol))[0]).toMatchObject({
      kind: 'APPROVE_ACTION',
      actor: 'anonymous:alice',
      reason: 'checked the wording',
      actionId: enqueued.id,
      details: { status: 'PENDING', payloadSha256: approved.approvedPayloadHash },
    });
  });

  it('rejects: REJECTED, finished, never sent, and a control event says who and why', async () => {
    aol = await startReal();
    const enqueued = await enqueue(aol, 'off-brand');
    const rejected = await operate(aol, 'rejectAction', enqueued.id, 'off brand');
    expect(rejected).toMatchObject({ status: 'REJECTED', lastErrorCode: 'REJECTED', lastError: 'Rejected by anonymous:alice: off brand' });
    expect(rejected.finishedAt).not.toBeNull();
    await ticks(aol, 3);
    expect(fake.requests).toHaveLength(0);
    expect((await controlEvents(aol))[0]).toMatchObject({ kind: 'REJECT_ACTION', actor: 'anonymous:alice', reason: 'off brand' });

    const again = await aol.graphql(`mutation { approveAction(id: "${enqueued.id}", reason: "changed my mind") { id } }`);
    expect(again.errors?.[0].extensions?.code).toBe('INVALID_STATE');
  });

  it('refuses an approved action whose payload was edited since: APPROVAL_STALE, back to AWAITING_APPROVAL, nothing sent, no attempt', async () => {
    aol = await startReal();
    const enqueued = await enqueue(aol, 'edited-after-approval', 'Approved words');
    await operate(aol, 'approveAction', enqueued.id, 'fine');
    const edited =
      driver === 'postgresql' ? `'{"platform":"mastodon","text":"Other words"}'::jsonb` : `'{"platform":"mastodon","text":"Other words"}'`;
    await aol.sql(`update aol_actions set payload = ${edited} where id = ?`, [Number(enqueued.id)]);

    await ticks(aol, 3);
    expect(fake.requests).toHaveLength(0);
    const held = await action(aol, enqueued.id);
    expect(held).toMatchObject({ status: 'AWAITING_APPROVAL', attempts: 0, lastErrorCode: 'APPROVAL_STALE', approvedBy: null });
    expect(held.lastError).toContain('anonymous:alice');
    expect(await logRows(aol, enqueued.id)).toEqual([]);

    // Approved again, for the payload as it is now: posted once, with the new words.
    await operate(aol, 'approveAction', enqueued.id, 'the new words are fine');
    await ticks(aol, 2);
    expect(fake.statuses.map((s) => s.text)).toEqual(['Other words']);
  });

  it('holds at claim time an action enqueued in PROOF mode once the mode is REAL, without counting an attempt', async () => {
    aol = await startReal();
    await mutate(aol, 'mutation { setProofMode(enabled: true, reason: "rehearsal") { proofMode } }', {});
    const enqueued = await enqueue(aol, 'enqueued-in-proof');
    expect(enqueued.status).toBe('PENDING');
    await mutate(aol, 'mutation { setProofMode(enabled: false, reason: "live") { proofMode } }', {});
    expect(await aol.tick()).toMatchObject({ attempted: 0 });
    expect(await action(aol, enqueued.id)).toMatchObject({ status: 'AWAITING_APPROVAL', attempts: 0, lastErrorCode: null });
    expect(fake.requests).toHaveLength(0);
    expect(await logRows(aol, enqueued.id)).toEqual([]);
  });

  it('approves and rejects in bulk, answering per id', async () => {
    aol = await startReal();
    const [a, b, c] = [await enqueue(aol, 'bulk-a'), await enqueue(aol, 'bulk-b'), await enqueue(aol, 'bulk-c')];
    const outcome = `{ id action { status approvedBy } error { code message } }`;
    const approved = await mutate<{ approveActions: unknown[] }>(
      aol,
      `mutation ($ids: [ID!]!) { approveActions(ids: $ids, reason: "batch ok") ${outcome} }`,
      { ids: [a.id, b.id, '999999'] },
    );
    expect(approved.approveActions).toEqual([
      { id: a.id, action: { status: 'PENDING', approvedBy: 'anonymous:alice' }, error: null },
      { id: b.id, action: { status: 'PENDING', approvedBy: 'anonymous:alice' }, error: null },
      { id: '999999', action: null, error: { code: 'NOT_FOUND', message: 'No action with id 999999' } },
    ]);
    const rejected = await mutate<{ rejectActions: Array<{ error: { code: string } | null }> }>(
      aol,
      `mutation ($ids: [ID!]!) { rejectActions(ids: $ids, reason: "not now") ${outcome} }`,
      { ids: [a.id, c.id] },
    );
    expect(rejected.rejectActions.map((r) => r.error?.code ?? null)).toEqual(['INVALID_STATE', null]);
    const tooMany = await aol.graphql(`mutation ($ids: [ID!]!) { approveActions(ids: $ids, reason: "x") { id } }`, {
      ids: Array.from({ length: 1001 }, (_, index) => String(index + 1)),
    });
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('resolves a NEEDS_REVIEW action POSTED: SUCCESS with the remote reference, 0 requests, no new attempt', async () => {
    aol = await startReal({ AOL_APPROVAL: 'none' });
    const enqueued = await enqueue(aol, 'crash-window');
    await parkForReview(aol, enqueued.id);
    const resolved = await operate(
      aol,
      'resolveAction',
      enqueued.id,
      'found it on the timeline',
      ', outcome: POSTED, remoteUrl: "https://social.example/@aol/1"',
    );
    expect(resolved).toMatchObject({ status: 'SUCCESS', attempts: 1, remoteUrl: 'https://social.example/@aol/1', lastErrorCode: null });
    await ticks(aol, 2);
    expect(fake.requests).toHaveLength(0);
    expect(await logRows(aol, enqueued.id)).toEqual([]);
    expect((await controlEvents(aol))[0]).toMatchObject({
      kind: 'RESOLVE_ACTION',
      reason: 'found it on the timeline',
      details: { status: 'SUCCESS', outcome: 'POSTED' },
    });
  });

  it('resolves NOT_POSTED back to the queue: AWAITING_APPROVAL without an approval under the policy, PENDING with one', async () => {
    aol = await startReal();
    const unapproved = await enqueue(aol, 'review-unapproved');
    await parkForReview(aol, unapproved.id);
    expect(await operate(aol, 'resolveAction', unapproved.id, 'not on the timeline', ', outcome: NOT_POSTED')).toMatchObject({
      status: 'AWAITING_APPROVAL',
    });

    const approved = await enqueue(aol, 'review-approved');
    await operate(aol, 'approveAction', approved.id, 'ok');
    await parkForReview(aol, approved.id);
    expect(await operate(aol, 'resolveAction', approved.id, 'not on the timeline', ', outcome: NOT_POSTED')).toMatchObject({
      status: 'PENDING',
      attempts: 1,
    });
    await ticks(aol, 1);
    expect(fake.requests).toHaveLength(1);
    expect(await action(aol, approved.id)).toMatchObject({ status: 'SUCCESS', attempts: 2 });
  });

  it('reconciles a NEEDS_REVIEW post by looking it up: found → SUCCESS with its id and address; not found → unchanged; no post sent', async () => {
    aol = await startReal({ AOL_APPROVAL: 'none' });
    const posted = await enqueue(aol, 'reconcile-found', 'Fish & chips <today>\nat noon');
    const missing = await enqueue(aol, 'reconcile-missing', 'Never made it');
    for (const { id } of [posted, missing]) await parkForReview(aol, id);
    fake.postDirectly('Something else');
    const status = fake.postDirectly('Fish & chips <today>\nat noon');
    const reconcile = `mutation ($id: ID!) { reconcileAction(id: $id, reason: "checking the timeline") { found checked action { ${ACTION_FIELDS} } } }`;

    const found = (
      await mutate<{ reconcileAction: { found: boolean; checked: string; action: ApprovalView } }>(aol, reconcile, { id: posted.id })
    ).reconcileAction;
    expect(found).toMatchObject({
      found: true,
      checked: 'the 2 most recent statuses of @aol',
      action: { status: 'SUCCESS', attempts: 1, remoteId: status.id, remoteUrl: status.url },
    });
    const notFound = (await mutate<{ reconcileAction: { found: boolean; action: ApprovalView } }>(aol, reconcile, { id: missing.id }))
      .reconcileAction;
    expect(notFound).toMatchObject({ found: false, action: { status: 'NEEDS_REVIEW' } });

    expect(fake.statusRequests).toHaveLength(0);
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /api/v1/accounts/verify_credentials',
      'GET /api/v1/accounts/1/statuses',
      'GET /api/v1/accounts/verify_credentials',
      'GET /api/v1/accounts/1/statuses',
    ]);
    expect((await controlEvents(aol)).filter((event) => event.kind === 'RESOLVE_ACTION')).toEqual([
      expect.objectContaining({
        actionId: posted.id,
        reason: 'checking the timeline',
        details: expect.objectContaining({ via: 'reconcile' }),
      }),
    ]);
    const again = await aol.graphql(reconcile, { id: posted.id });
    expect(again.errors?.[0].extensions?.code).toBe('INVALID_STATE');
  });

  it('reports a failed look-up as REMOTE_LOOKUP_FAILED and changes nothing', async () => {
    aol = await startReal({ AOL_APPROVAL: 'none', AOL_MASTODON_ACCESS_TOKEN: 'a-wrong-token-0123456789' });
    const enqueued = await enqueue(aol, 'reconcile-401');
    await parkForReview(aol, enqueued.id);
    const response = await aol.graphql(`mutation { reconcileAction(id: "${enqueued.id}", reason: "check") { found } }`);
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'REMOTE_LOOKUP_FAILED' } });
    expect(response.errors?.[0].message).not.toContain('a-wrong-token');
    expect(await action(aol, enqueued.id)).toMatchObject({ status: 'NEEDS_REVIEW' });
  });

  it('cancels from NEEDS_REVIEW, AWAITING_APPROVAL and DLQ: CANCELLED, 0 requests', async () => {
    aol = await startReal();
    const review = await enqueue(aol, 'cancel-review');
    await parkForReview(aol, review.id);
    const waiting = await enqueue(aol, 'cancel-waiting');
    const dead = await enqueue(aol, 'cancel-dead');
    await aol.sql(`update aol_actions set status = 'DLQ' where id = ?`, [Number(dead.id)]);
    for (const { id } of [review, waiting, dead]) {
      expect(await operate(aol, 'cancelAction', id, 'not wanted any more')).toMatchObject({ status: 'CANCELLED' });
    }
    await ticks(aol, 2);
    expect(fake.requests).toHaveLength(0);
    expect((await controlEvents(aol)).filter((event) => event.kind === 'CANCEL_ACTION')).toHaveLength(3);
  });

  it('refuses bad resolutions with a code and changes nothing', async () => {
    aol = await startReal();
    const enqueued = await enqueue(aol, 'bad-resolutions');
    const attempts: Array<[string, string]> = [
      [`outcome: POSTED, remoteUrl: "ftp://social.example/1"`, 'BAD_USER_INPUT'],
      [`outcome: NOT_POSTED, remoteUrl: "https://social.example/1"`, 'BAD_USER_INPUT'],
      [`outcome: POSTED`, 'INVALID_STATE'],
    ];
    for (const [args, code] of attempts) {
      const response = await aol.graphql(`mutation { resolveAction(id: "${enqueued.id}", reason: "check", ${args}) { id } }`);
      expect([args, response.errors?.[0].extensions?.code]).toEqual([args, code]);
    }
    const blank = await aol.graphql(`mutation { approveAction(id: "${enqueued.id}", reason: "  ") { id } }`);
    expect(blank.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await action(aol, enqueued.id)).toMatchObject({ status: 'AWAITING_APPROVAL', approvedBy: null });
    expect(await controlEvents(aol)).toHaveLength(1); // the proof-mode switch only
  });

  it('shows the artifact with the action: its content, and whether the file still has the recorded SHA-256', async () => {
    aol = await fresh.start({ env: { AOL_APPROVAL: 'all' } }); // PROOF mode: the artifact is what would be posted
    const enqueued = await enqueue(aol, 'preview', 'What the approver reads');
    const preview = `query ($id: ID!) { action(id: $id) { status artifactRef artifactContent artifactContentTruncated artifactSha256Matches } }`;
    expect((await mutate<{ action: unknown }>(aol, preview, { id: enqueued.id })).action).toEqual({
      status: 'AWAITING_APPROVAL',
      artifactRef: null,
      artifactContent: null,
      artifactContentTruncated: null,
      artifactSha256Matches: null,
    });
    await operate(aol, 'approveAction', enqueued.id, 'fine');
    await aol.tick();
    const shown = (await mutate<{ action: { artifactRef: string; artifactContent: string } }>(aol, preview, { id: enqueued.id })).action;
    expect(shown).toMatchObject({ status: 'SUCCESS', artifactContentTruncated: false, artifactSha256Matches: true });
    expect(JSON.parse(shown.artifactContent)).toMatchObject({ mode: 'PROOF', post: { text: 'What the approver reads' } });
    await appendFile(join(aol.artifactDir, shown.artifactRef), ' ');
    expect((await mutate<{ action: unknown }>(aol, preview, { id: enqueued.id })).action).toMatchObject({ artifactSha256Matches: false });
  });

  it('asks for every action under AOL_APPROVAL=all, PROOF mode included, and for none under AOL_APPROVAL=none', async () => {
    aol = await startReal({ AOL_APPROVAL: 'all' });
    await mutate(aol, 'mutation { setProofMode(enabled: true, reason: "rehearsal") { proofMode } }', {});
    expect((await enqueue(aol, 'all-proof')).status).toBe('AWAITING_APPROVAL');
    await aol.close();
    aol = await startReal({ AOL_APPROVAL: 'none' });
    expect((await enqueue(aol, 'none-real')).status).toBe('PENDING');
  });
});
