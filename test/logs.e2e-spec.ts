import { DRIVERS } from './support/test-database';
import { useTestDatabase } from './support/test-app';
import { requireBuild, waitFor } from './support/processes';
import { launchServer, LaunchedServer } from './support/aol-server';
import { graphqlRequest, graphqlWsClient } from './support/graphql-client';
import { runSql } from './support/raw-sql';
import { rename, rm, writeFile } from 'node:fs/promises';

const TOKEN = 'tok_e2e-logs-S3cret-0a1b2c3d4e5f';
const INSTANCE = 'logs-e2e-instance';

interface LogLine {
  level: string;
  instanceId: string;
  msg: string;
  [field: string]: unknown;
}

describe.each(DRIVERS)('the service logs on %s', (driver) => {
  const db = useTestDatabase(driver);
  let server: LaunchedServer;
  const lines: string[] = [];
  const logged = () => lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LogLine);
  const operator = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    requireBuild();
    server = await launchServer({
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: db.url,
        AOL_API_TOKEN: TOKEN,
        AOL_INSTANCE_ID: INSTANCE,
        AOL_TICK_INTERVAL_MS: '100',
        AOL_ARTIFACT_DIR: `${db.dir}/artifacts`,
        // debug: each finished request is logged too, with its headers (the token censored).
        AOL_LOG_LEVEL: 'debug',
        AOL_MAX_ACTION_PER_TICK: '5',
      },
      cwd: db.dir,
      onLine: (line) => lines.push(line),
    });
  });

  afterAll(async () => {
    expect(await server?.stop()).toEqual({ code: 0, signal: null });
  });

  it('writes one JSON object a line, each with the instance id, and warns of a misspelled variable', () => {
    const all = logged();
    expect(all.length).toBeGreaterThan(5);
    for (const line of all) expect(line.instanceId).toBe(INSTANCE);
    expect(all).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'AOL_MAX_ACTION_PER_TICK is not a variable AOL reads; did you mean AOL_MAX_ACTIONS_PER_TICK?',
      }),
    );
  });

  it('logs a tick that did work as one info line with its facts as fields', async () => {
    const enqueued = await graphqlRequest(
      server.graphqlUrl,
      `mutation { enqueueAction(input: { type: POST_SOCIAL, idempotencyKey: "log-1", payload: { platform: "mastodon", text: "hi" } }) { action { id } } }`,
      undefined,
      operator,
    );
    expect(enqueued.errors).toBeUndefined();
    const tick = await waitFor(
      async () => logged().find((line) => line.context === 'TickService' && line.attempted === 1),
      10_000,
      'the tick line',
    );
    expect(tick).toEqual(
      expect.objectContaining({
        level: 'info',
        instanceId: INSTANCE,
        outcome: 'SUCCESS',
        attempted: 1,
        succeeded: 1,
        failed: 0,
        tick: expect.any(Number),
        epoch: 1,
        durationMs: expect.any(Number),
      }),
    );
    expect(tick.msg).toMatch(/^\[AOL Tick \d+\] SUCCESS \| Actions: 1 attempted, 1 succeeded, 0 failed$/);
  });

  it('logs a control change with its actor, reason and request id; the token never shows', async () => {
    const paused = await graphqlRequest(server.graphqlUrl, 'mutation { pause(reason: "log check") { paused } }', undefined, {
      ...operator,
      'x-aol-actor': 'alice',
      'x-request-id': 'trace-42',
    });
    expect(paused.data).toEqual({ pause: { paused: true } });
    await graphqlRequest(server.graphqlUrl, 'mutation { resume(reason: "done checking") { paused } }', undefined, operator);
    const change = await waitFor(async () => logged().find((line) => line.kind === 'PAUSE'), 5_000, 'the pause line');
    expect(change).toEqual(
      expect.objectContaining({ level: 'info', actor: 'operator:alice', reason: 'log check', paused: true, requestId: 'trace-42' }),
    );
    await waitFor(async () => logged().find((line) => line.kind === 'RESUME'), 5_000, 'the resume line');
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(logged()).toContainEqual(
      expect.objectContaining({
        requestId: 'trace-42',
        req: expect.objectContaining({ headers: expect.objectContaining({ authorization: '[secret]' }) }),
      }),
    );
  });

  it('gives a WebSocket connection one request id for the lines of all its messages', async () => {
    const client = graphqlWsClient(server.graphqlUrl, { authorization: `Bearer ${TOKEN}`, actor: 'bob' });
    const run = (query: string) =>
      new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query }, { next: resolve, error: reject, complete: () => undefined });
      });
    try {
      await run('mutation { pause(reason: "over the socket") { paused } }');
      await run('mutation { resume(reason: "over the socket again") { paused } }');
    } finally {
      await client.dispose();
    }
    const lines = await waitFor(
      async () => {
        const found = logged().filter((line) => typeof line.reason === 'string' && line.reason.startsWith('over the socket'));
        return found.length === 2 ? found : undefined;
      },
      5_000,
      'both lines',
    );
    expect(lines.map((line) => line.actor)).toEqual(['operator:bob', 'operator:bob']);
    expect(lines[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[1].requestId).toBe(lines[0].requestId);
  });

  it('logs an internal error once with its stack, and a user error not at all', async () => {
    const bad = await graphqlRequest(server.graphqlUrl, 'mutation { pause(reason: "   ") { paused } }', undefined, operator);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await runSql(db, 'alter table aol_control_events rename to aol_control_events_gone');
    try {
      const broken = await graphqlRequest(server.graphqlUrl, '{ controlEvents { edges { cursor } } }', undefined, {
        ...operator,
        'x-request-id': 'broken-1',
      });
      expect(broken.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      const errors = await waitFor(
        async () => {
          const found = logged().filter((line) => line.level === 'error' && line.requestId === 'broken-1' && line.err);
          return found.length > 0 ? found : undefined;
        },
        5_000,
        'the internal error line',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Once in all: no other line (Nest's own handler, say) carries the failure again.
      expect(logged().filter((line) => JSON.stringify(line).includes('aol_control_events'))).toHaveLength(1);
      expect((errors[0].err as { stack: string }).stack).toMatch(/aol_control_events[\s\S]*\n\s+at /);
      expect(logged().filter((line) => line.level === 'error' && JSON.stringify(line).includes('BAD_USER_INPUT'))).toEqual([]);
      expect(logged().filter((line) => line.level === 'error' && String(line.msg).includes('reason must be'))).toEqual([]);
    } finally {
      await runSql(db, 'alter table aol_control_events_gone rename to aol_control_events');
    }
  });
  it('logs a 503 it answered on purpose (not ready) as warnings without a stack, no error', async () => {
    const artifacts = `${db.dir}/artifacts`;
    await rename(artifacts, `${artifacts}-away`);
    await writeFile(artifacts, 'not a folder'); // cannot be written, even by root
    try {
      const response = await fetch(`${new URL(server.graphqlUrl).origin}/health/ready`, { headers: { 'x-request-id': 'not-ready-1' } });
      expect(response.status).toBe(503);
      const finished = await waitFor(
        async () => logged().find((entry) => entry.requestId === 'not-ready-1' && entry.msg === 'answered 503'),
        5_000,
        'the finished request line',
      );
      expect(finished).toMatchObject({ level: 'warn', res: { statusCode: 503 } });
      const lines = logged().filter((entry) => entry.requestId === 'not-ready-1');
      expect(lines.map((entry) => [entry.level, entry.err])).toEqual(lines.map(() => ['warn', undefined]));
      expect(lines.map((entry) => entry.msg)).toContainEqual(expect.stringMatching(/^Not ready: AOL_ARTIFACT_DIR cannot be written/));
    } finally {
      await rm(artifacts);
      await rename(`${artifacts}-away`, artifacts);
    }
  });
});
