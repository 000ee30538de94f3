import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DRIVERS } from './support/test-database';
import { TestApp, useFreshDatabase } from './support/test-app';
import { ENQUEUE_ACTION, enqueuePost, logRows, makeDue } from './support/actions';
import { FakeMastodon } from './support/fake-mastodon';

const TOKEN = 'tok_e2e-Mastodon-S3cret-9f8e7d';

const REAL_ACTION_QUERY = `
  query Action($id: ID!) {
    action(id: $id) { id idempotencyKey status attempts runAfter lastErrorCode lastError artifactRef artifactSha256 remoteId remoteUrl }
  }`;

interface RealActionView {
  id: string;
  idempotencyKey: string;
  status: string;
  attempts: number;
  runAfter: string;
  lastErrorCode: string | null;
  lastError: string | null;
  artifactRef: string | null;
  artifactSha256: string | null;
  remoteId: string | null;
  remoteUrl: string | null;
}

async function realAction(aol: TestApp, id: string): Promise<RealActionView> {
  const response = await aol.graphql<{ action: RealActionView }>(REAL_ACTION_QUERY, { id });
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.action;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/**
 * REAL mode against a local server that behaves like Mastodon: the deployment allows REAL
 * (AOL_PROOF_MODE=0), the operator switches proof mode off, and the publisher points at
 * the fake. Short timeouts (1 s per request, 3 s per attempt) keep the hang case quick.
 */
describe.each(DRIVERS)('posting to Mastodon in REAL mode on %s', (driver) => {
  const fresh = useFreshDatabase(driver);
  let fake: FakeMastodon;
  let aol: TestApp;
  let logged = '';

  beforeEach(async () => {
    logged = '';
    // Every log line the app writes is kept (and kept off the test output) to search it for the token.
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logged += chunk.toString();
        return true;
      });
    }
    fake = await FakeMastodon.start({ token: TOKEN });
    aol = await fresh.start({
      env: {
        AOL_PROOF_MODE: '0',
        AOL_APPROVAL: 'none',
        AOL_MASTODON_BASE_URL: `${fake.url}/`,
        AOL_MASTODON_ACCESS_TOKEN: TOKEN,
        AOL_MASTODON_TIMEOUT_SECONDS: '1',
        AOL_ACTION_TIMEOUT_SECONDS: '3',
        AOL_RETRY_BASE_SECONDS: '60',
        AOL_LOG_LEVEL: 'verbose',
      },
    });
    const off = await aol.graphql('mutation { setProofMode(enabled: false, reason: "posting to the fake Mastodon") { proofMode } }');
    expect(off.data).toEqual({ setProofMode: { proofMode: false } });
  });

  afterEach(async () => {
    await fake.close();
    jest.restoreAllMocks();
  });

  it('posts: SUCCESS with the remote id and URL on the action, one status on the server, the action’s key as Idempotency-Key', async () => {
    const key = 'launch-2026-11-30';
    const enqueued = await enqueuePost(aol, key, 'We are live!');
    expect(await aol.tick()).toMatchObject({ outcome: 'SUCCESS', attempted: 1, succeeded: 1 });

    expect(fake.statuses).toHaveLength(1);
    const [status] = fake.statuses;
    expect(status).toMatchObject({ text: 'We are live!', visibility: 'public', idempotencyKey: key });
    const action = await realAction(aol, enqueued.id);
    expect(action).toMatchObject({ status: 'SUCCESS', attempts: 1, lastError: null, remoteId: status.id, remoteUrl: status.url });
    expect(await aol.sql('select remote_id, remote_url from aol_actions where id = ?', [Number(enqueued.id)])).toEqual([
      { remote_id: status.id, remote_url: status.url },
    ]);

    const [request] = fake.statusRequests;
    expect(request.headers['idempotency-key']).toBe(key);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(request.body)).toEqual({ status: 'We are live!', visibility: 'public' });

    const logs = await logRows(aol, enqueued.id);
    expect(logs.map((log) => [log.mode, log.outcome, log.artifact_sha256])).toEqual([['REAL', 'SUCCESS', action.artifactSha256]]);
    const artifact = JSON.parse(await readFile(join(aol.artifactDir, action.artifactRef!), 'utf8'));
    expect(artifact).toMatchObject({ mode: 'REAL', idempotencyKey: key, published: { remoteId: status.id, url: status.url } });
  });

  it('on a 500 goes to RETRY, and on the next attempt succeeds with the same Idempotency-Key', async () => {
    fake.script({ status: 500, error: 'Internal server error' });
    const enqueued = await enqueuePost(aol, 'retry-after-500');
    expect(await aol.tick()).toMatchObject({ attempted: 1, failed: 1, retried: 1, deadLettered: 0 });
    const retrying = await realAction(aol, enqueued.id);
    expect(retrying).toMatchObject({
      status: 'RETRY',
      attempts: 1,
      lastErrorCode: 'REMOTE_UNAVAILABLE',
      lastError: 'Mastodon failed: HTTP 500 Internal server error',
      remoteId: null,
    });
    // The first backoff (60 s) less its jitter (at most 20 %).
    expect(new Date(retrying.runAfter).getTime()).toBeGreaterThan(Date.now() + 45_000);
    expect((await aol.tick()).attempted).toBe(0); // not due yet

    await makeDue(aol, enqueued.id);
    expect(await aol.tick()).toMatchObject({ attempted: 1, succeeded: 1 });
    expect(await realAction(aol, enqueued.id)).toMatchObject({ status: 'SUCCESS', attempts: 2, remoteId: fake.statuses[0].id });
    expect(fake.statusRequests.map((request) => [request.reply, request.headers['idempotency-key']])).toEqual([
      [500, 'retry-after-500'],
      [200, 'retry-after-500'],
    ]);
    expect(fake.statuses).toHaveLength(1);
    expect((await logRows(aol, enqueued.id)).map((log) => [Number(log.attempt), log.outcome, log.error_code])).toEqual([
      [1, 'FAILED', 'REMOTE_UNAVAILABLE'],
      [2, 'SUCCESS', null],
    ]);
  });

  it('does not post twice when the answer to a post that was made is lost: the retry gets the same status back', async () => {
    fake.script({ status: 502, error: 'Bad gateway', createFirst: true });
    const enqueued = await enqueuePost(aol, 'lost-answer');
    expect(await aol.tick()).toMatchObject({ failed: 1, retried: 1 });
    expect(fake.statuses).toHaveLength(1);

    await makeDue(aol, enqueued.id);
    expect(await aol.tick()).toMatchObject({ succeeded: 1 });
    expect(fake.statuses).toHaveLength(1);
    expect(await realAction(aol, enqueued.id)).toMatchObject({
      status: 'SUCCESS',
      remoteId: fake.statuses[0].id,
      remoteUrl: fake.statuses[0].url,
    });
  });

  it('on a 422 goes to DLQ after one attempt with REMOTE_REJECTED and Mastodon’s reason', async () => {
    fake.script({ status: 422, error: 'Validation failed: Text character limit of 500 exceeded' });
    const enqueued = await enqueuePost(aol, 'rejected-1');
    expect(await aol.tick()).toMatchObject({ attempted: 1, failed: 1, retried: 0, deadLettered: 1 });
    expect(await realAction(aol, enqueued.id)).toMatchObject({
      status: 'DLQ',
      attempts: 1,
      lastErrorCode: 'REMOTE_REJECTED',
      lastError: 'Mastodon refused the post: HTTP 422 Validation failed: Text character limit of 500 exceeded',
      remoteId: null,
      artifactRef: null,
    });
    await makeDue(aol, enqueued.id);
    expect((await aol.tick()).attempted).toBe(0);
    expect(fake.statusRequests).toHaveLength(1);
    expect(fake.statuses).toHaveLength(0);
  });

  it('on a 429 goes to RETRY with REMOTE_RATE_LIMITED', async () => {
    fake.script({ status: 429, error: 'Too many requests' });
    const enqueued = await enqueuePost(aol, 'limited-1');
    expect(await aol.tick()).toMatchObject({ failed: 1, retried: 1 });
    expect(await realAction(aol, enqueued.id)).toMatchObject({ status: 'RETRY', lastErrorCode: 'REMOTE_RATE_LIMITED' });
  });

  it('gives up on a server that never answers after AOL_MASTODON_TIMEOUT_SECONDS: REMOTE_TIMEOUT, RETRY', async () => {
    fake.script({ hang: true });
    const enqueued = await enqueuePost(aol, 'hang-1');
    const report = await aol.tick();
    expect(report).toMatchObject({ attempted: 1, failed: 1, retried: 1 });
    expect(await realAction(aol, enqueued.id)).toMatchObject({
      status: 'RETRY',
      lastErrorCode: 'REMOTE_TIMEOUT',
      lastError: 'Mastodon did not answer within 1s',
    });
    const [log] = await aol.sql<{ outcome: string; duration_ms: unknown }>('select outcome, duration_ms from aol_execution_logs');
    expect(log.outcome).toBe('FAILED');
    expect(Number(log.duration_ms)).toBeGreaterThanOrEqual(900);
    expect(Number(log.duration_ms)).toBeLessThan(3000);
    expect(fake.statusRequests.map((request) => request.reply)).toEqual(['hang']);
  });

  it('fails a post with media as MEDIA_NOT_SUPPORTED, sending nothing', async () => {
    const response = await aol.graphql<{ enqueueAction: { action: { id: string } } }>(ENQUEUE_ACTION, {
      input: {
        type: 'POST_SOCIAL',
        idempotencyKey: 'media-1',
        payload: { platform: 'mastodon', text: 'look', mediaUrls: ['https://example.com/a.png'] },
      },
    });
    const id = response.data!.enqueueAction.action.id;
    expect(await aol.tick()).toMatchObject({ failed: 1, deadLettered: 1 });
    expect(await realAction(aol, id)).toMatchObject({ status: 'DLQ', attempts: 1, lastErrorCode: 'MEDIA_NOT_SUPPORTED' });
    expect(fake.requests).toHaveLength(0);
  });

  it('keeps the other platforms unconfigured: REAL_RUN_UNCONFIGURED, nothing sent', async () => {
    const enqueued = await enqueuePost(aol, 'bluesky-1', 'hello', 'bluesky');
    expect(await aol.tick()).toMatchObject({ failed: 1, deadLettered: 1 });
    expect(await realAction(aol, enqueued.id)).toMatchObject({ status: 'DLQ', lastErrorCode: 'REAL_RUN_UNCONFIGURED' });
    expect(fake.requests).toHaveLength(0);
  });

  it('never lets the access token out: not in errors, rows, artifacts, GraphQL answers or logs', async () => {
    // A server that echoes the token in its error, one that hangs, one that fails, then a success.
    fake.script(
      { status: 400, error: `Bad request: Authorization: Bearer ${TOKEN}` },
      { hang: true },
      { status: 503, body: `upstream said ${TOKEN}` },
    );
    const ids: string[] = [];
    for (const key of ['leak-1', 'leak-2', 'leak-3', 'leak-4']) ids.push((await enqueuePost(aol, key)).id);
    expect(await aol.tick()).toMatchObject({ attempted: 3, failed: 3 });
    expect(await aol.tick()).toMatchObject({ attempted: 1, succeeded: 1 });
    const echoed = await realAction(aol, ids[0]);
    expect(echoed.lastError).toBe('Mastodon refused the post: HTTP 400 Bad request: Authorization: Bearer [secret]');
    expect((await realAction(aol, ids[2])).lastError).toBe('Mastodon failed: HTTP 503 upstream said [secret]');
    expect(fake.statusRequests.every((request) => request.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const places: Record<string, string> = {};
    for (const table of ['aol_actions', 'aol_execution_logs', 'aol_tick_ledger', 'aol_control_flags', 'aol_control_events', 'aol_lease']) {
      places[table] = JSON.stringify(await aol.sql(`select * from ${table}`));
    }
    const artifacts = await filesUnder(aol.artifactDir);
    expect(artifacts).toHaveLength(1);
    for (const file of artifacts) places[file] = await readFile(file, 'utf8');
    for (const id of ids) {
      places[`action ${id}`] = JSON.stringify(await realAction(aol, id));
      places[`logs ${id}`] = JSON.stringify(
        await aol.graphql(`{ executionLogs(actionId: "${id}") { attempt mode outcome errorCode error artifactRef } }`),
      );
    }
    places.status = JSON.stringify(await aol.graphql('{ autonomyStatus { mode modeReason flags { reason } lastTick { note } } }'));
    places.logs = logged;

    expect(places.aol_execution_logs).toContain('REMOTE_REJECTED');
    expect(places.logs).toContain(`Posted status ${fake.statuses[0].id} for key leak-4`);
    for (const [place, text] of Object.entries(places)) {
      expect({ place, leaked: text.includes(TOKEN) }).toEqual({ place, leaked: false });
    }
  });
});
