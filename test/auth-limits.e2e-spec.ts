import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { createTestDatabase, DRIVERS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp, useTestApp } from './support/test-app';
import { collectEvents, graphqlRequest, graphqlWsClient, wsCloseCode, wsExecute } from './support/graphql-client';
import { ENQUEUE_ACTION } from './support/actions';

const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
const READ_TOKEN = 'viewer-token-0123456789abcdef';
const asOperator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
const asViewer = { authorization: `Bearer ${READ_TOKEN}` };

const TABLES = ['aol_actions', 'aol_control_events', 'aol_control_flags', 'aol_execution_logs', 'aol_lease', 'aol_tick_ledger'];

/** Row counts and the switchboard: what a refused request must leave exactly as it was. */
async function snapshot(aol: TestApp): Promise<unknown> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) counts[table] = Number((await aol.sql<{ n: unknown }>(`select count(*) as n from ${table}`))[0].n);
  return { counts, flags: await aol.sql('select paused, killed, proof_mode, reason from aol_control_flags') };
}

const TOO_DEEP = '{ a { b { c { d { e { f { g { h { i { j { k } } } } } } } } } } }';
const TOO_COSTLY = '{ actions(first: 100) { edges { node { id executionLogs(first: 100) { edges { node { id attempt outcome } } } } } } }';
const TOO_MANY_ALIASES = `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: controlFlags { paused }`).join(' ')} }`;

describe.each(DRIVERS)('authentication and limits on %s', (driver) => {
  const aol = useTestApp(driver, { env: { AOL_API_TOKEN: OPERATOR_TOKEN, AOL_READ_TOKEN: READ_TOKEN, AOL_MAX_REQUEST_BYTES: '65536' } });

  describe('over HTTP', () => {
    it.each([
      ['no token', {}],
      ['a wrong token', { authorization: 'Bearer not-the-token-at-all-0000' }],
      ['a malformed header', { authorization: OPERATOR_TOKEN }],
    ])('answers %s with 401 UNAUTHENTICATED and changes nothing', async (_name, headers) => {
      const before = await snapshot(aol);
      const response = await aol.graphql('mutation { pause(reason: "sneaky") { paused } }', undefined, headers);
      expect(response.status).toBe(401);
      expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.data).toBeUndefined();
      expect(await snapshot(aol)).toEqual(before);
    });

    it('lets the read token query but not mutate (403 FORBIDDEN, nothing changed)', async () => {
      const query = await aol.graphql('{ controlFlags { paused } }', undefined, asViewer);
      expect(query).toMatchObject({ status: 200, data: { controlFlags: { paused: false } } });
      const before = await snapshot(aol);
      const mutation = await aol.graphql('mutation { kill(reason: "viewer") { killed } }', undefined, asViewer);
      expect(mutation.status).toBe(403);
      expect(mutation.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(await snapshot(aol)).toEqual(before);
    });

    it('lets the operator token mutate, recording the actor it names', async () => {
      const response = await aol.graphql('mutation { pause(reason: "audit") { paused updatedBy } }', undefined, {
        ...asOperator,
        'x-aol-actor': 'bob',
      });
      expect(response.data).toEqual({ pause: { paused: true, updatedBy: 'operator:bob' } });
      await aol.graphql('mutation { resume(reason: "audit done") { paused } }', undefined, asOperator);
      const events = await aol.sql<{ actor: string }>("select actor from aol_control_events where reason like 'audit%' order by id");
      expect(events.map((event) => event.actor)).toEqual(['operator:bob', 'operator']);
    });

    it('tells each caller who it is: the role its token grants, its actor, and that a token is required', async () => {
      const viewer = '{ viewer { role actor authenticationRequired } }';
      expect((await aol.graphql(viewer, undefined, { ...asOperator, 'x-aol-actor': 'alice' })).data).toEqual({
        viewer: { role: 'OPERATOR', actor: 'operator:alice', authenticationRequired: true },
      });
      expect((await aol.graphql(viewer, undefined, asViewer)).data).toEqual({
        viewer: { role: 'VIEWER', actor: 'viewer', authenticationRequired: true },
      });
      const anonymous = await aol.graphql(viewer);
      expect([anonymous.status, anonymous.errors?.[0].extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
      const client = graphqlWsClient(aol.graphqlUrl, { ...asViewer, actor: 'bob' });
      try {
        expect((await wsExecute(client, viewer)).data).toEqual({
          viewer: { role: 'VIEWER', actor: 'viewer:bob', authenticationRequired: true },
        });
      } finally {
        await client.dispose();
      }
    });

    it.each([
      ['too deep', TOO_DEEP, 'QUERY_TOO_DEEP'],
      ['too costly', TOO_COSTLY, 'QUERY_TOO_COMPLEX'],
      ['too many aliases', TOO_MANY_ALIASES, 'TOO_MANY_ALIASES'],
    ])('refuses a query %s before running it', async (_name, query, code) => {
      const before = await snapshot(aol);
      const response = await aol.graphql(query, undefined, asOperator);
      expect(response.status).toBe(400);
      expect(response.errors?.map((error) => error.extensions?.code)).toContain(code);
      expect(response.data).toBeUndefined();
      expect(await snapshot(aol)).toEqual(before);
    });

    it('accepts GraphiQL-sized introspection despite its depth', async () => {
      const response = await aol.graphql(
        '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }',
        undefined,
        asViewer,
      );
      expect(response.errors).toBeUndefined();
    });

    it('refuses a body over AOL_MAX_REQUEST_BYTES with 413 PAYLOAD_TOO_LARGE, and malformed JSON with 400', async () => {
      const before = await snapshot(aol);
      const big = await aol.graphql(
        ENQUEUE_ACTION,
        { input: { type: 'POST_SOCIAL', idempotencyKey: 'big', payload: { platform: 'x', text: 'y', pad: 'z'.repeat(70_000) } } },
        asOperator,
      );
      expect([big.status, big.errors?.[0].extensions?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      const response = await fetch(aol.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...asOperator },
        body: '{"query": ',
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe(
        'BAD_REQUEST',
      );
      expect(await snapshot(aol)).toEqual(before);
    });

    /** POSTs a raw body as the operator, with Apollo's preflight header, so only the body itself can be refused. */
    async function postBody(url: string, contentType: string, body: Buffer, encoding?: string) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          'apollo-require-preflight': 'true',
          ...(encoding ? { 'content-encoding': encoding } : {}),
          ...asOperator,
        },
        body: new Uint8Array(body),
      });
      const answer = (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions: { code: string } }> };
      return { status: response.status, contentType: response.headers.get('content-type'), answer };
    }

    it.each([
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ])('reads a %s-compressed body', async (encoding, encode) => {
      const input = { type: 'POST_SOCIAL', idempotencyKey: `compressed-${encoding}`, payload: { platform: 'mastodon', text: encoding } };
      const { status, answer } = await postBody(
        aol.graphqlUrl,
        'application/json',
        encode(Buffer.from(JSON.stringify({ query: ENQUEUE_ACTION, variables: { input } }))),
        encoding,
      );
      expect([status, answer.errors, answer.data?.enqueueAction.created]).toEqual([200, undefined, true]);
    });

    const TYPENAME = Buffer.from('{"query": "{ __typename }"}');
    it.each([
      { name: 'an empty JSON body', contentType: 'application/json', body: Buffer.alloc(0), status: 400, code: 'BAD_REQUEST' },
      {
        name: 'a multipart body',
        contentType: 'multipart/form-data; boundary=x',
        body: Buffer.from(
          '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\nmutation { kill(reason: "multipart") { killed } }\r\n--x--',
        ),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'a body that is not the gzip it claims',
        contentType: 'application/json',
        encoding: 'gzip',
        body: TYPENAME,
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        name: 'an encoding it does not read',
        contentType: 'application/json',
        encoding: 'compress',
        body: TYPENAME,
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'a small gzip body that inflates past AOL_MAX_REQUEST_BYTES',
        contentType: 'application/json',
        encoding: 'gzip',
        body: gzipSync(
          JSON.stringify({
            query: ENQUEUE_ACTION,
            variables: { input: { type: 'POST_SOCIAL', idempotencyKey: 'bomb', payload: { platform: 'x', text: 'z'.repeat(200_000) } } },
          }),
        ),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      {
        name: 'an empty JSON body at /graphql/',
        path: '/',
        contentType: 'application/json',
        body: Buffer.alloc(0),
        status: 400,
        code: 'BAD_REQUEST',
      },
    ])(
      'refuses $name with a GraphQL-shaped $status $code and changes nothing',
      async ({ path, contentType, body, encoding, status, code }) => {
        const before = await snapshot(aol);
        const response = await postBody(`${aol.graphqlUrl}${path ?? ''}`, contentType, body, encoding);
        expect([response.status, response.contentType]).toEqual([status, expect.stringMatching(/^application\/json/)]);
        expect(response.answer.errors).toEqual([{ message: expect.any(String), extensions: { code } }]);
        expect(await snapshot(aol)).toEqual(before);
      },
    );

    it('serves /graphql/ as /graphql and leaves the other routes to their own answers: /health, 404 for an unknown path', async () => {
      const health = await fetch(aol.graphqlUrl.replace(/\/graphql$/, '/health'));
      expect([health.status, await health.json()]).toEqual([200, expect.objectContaining({ status: 'ok' })]);
      const unknown = await fetch(aol.graphqlUrl.replace(/\/graphql$/, '/nowhere'));
      expect(unknown.status).toBe(404);
      const withSlash = await graphqlRequest(`${aol.graphqlUrl}/`, '{ controlFlags { paused } }', undefined, asViewer);
      expect(withSlash).toMatchObject({ status: 200, data: { controlFlags: { paused: false } } });
    });

    it.each([
      ['over 16 KiB of JSON', { platform: 'x', text: 'y', pad: 'z'.repeat(17_000) }, /payload is \d+ bytes of JSON; the limit is 16384/],
      [
        'nested deeper than 8',
        { platform: 'x', text: 'y', a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
        /payload nests deeper than 8 levels/,
      ],
    ])('refuses a payload %s with BAD_USER_INPUT', async (_name, payload, message) => {
      const before = await snapshot(aol);
      const response = await aol.graphql(ENQUEUE_ACTION, { input: { type: 'POST_SOCIAL', idempotencyKey: 'limits', payload } }, asOperator);
      expect(response.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
      expect(await snapshot(aol)).toEqual(before);
    });

    it('keeps CSRF prevention on and refuses mutations over GET', async () => {
      const before = await snapshot(aol);
      const simple = await fetch(aol.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...asOperator },
        body: JSON.stringify({ query: 'mutation { kill(reason: "csrf") { killed } }' }),
      });
      expect(simple.status).toBe(400);
      const url = `${aol.graphqlUrl}?query=${encodeURIComponent('mutation { kill(reason: "get") { killed } }')}`;
      const viaGet = await fetch(url, { headers: { 'apollo-require-preflight': 'true', ...asOperator } });
      expect(viaGet.status).toBe(405);
      expect(await snapshot(aol)).toEqual(before);
    });
  });

  describe('over the WebSocket', () => {
    it('closes the socket with 4403 for a missing or wrong token', async () => {
      expect(await wsCloseCode(aol.graphqlUrl)).toBe(4403);
      expect(await wsCloseCode(aol.graphqlUrl, { authorization: 'Bearer wrong-token-000000000000' })).toBe(4403);
    });

    it('lets the read token subscribe but not mutate, even an operation the server already parsed for an operator', async () => {
      const pauseOverWs = 'mutation { pause(reason: "over ws") { paused } }';
      const client = graphqlWsClient(aol.graphqlUrl, asViewer);
      const operator = graphqlWsClient(aol.graphqlUrl, asOperator);
      try {
        const flags = collectEvents<{ controlFlagsChanged: { paused: boolean } }>(
          client,
          'subscription { controlFlagsChanged { paused } }',
          1,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        const before = await snapshot(aol);
        const refused = await wsExecute(client, pauseOverWs);
        expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
        expect(await snapshot(aol)).toEqual(before);
        expect((await wsExecute(operator, pauseOverWs)).data).toEqual({ pause: { paused: true } });
        expect(await flags.done).toEqual([{ controlFlagsChanged: { paused: true } }]);
        // The same text again, now served from the parsed-document cache: the role is still checked.
        const paused = await snapshot(aol);
        expect((await wsExecute(client, pauseOverWs)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
        expect(await snapshot(aol)).toEqual(paused);
        await aol.graphql('mutation { resume(reason: "by operator") { paused } }', undefined, asOperator);
      } finally {
        await client.dispose();
        await operator.dispose();
      }
    });

    it.each([
      ['too deep', TOO_DEEP, 'QUERY_TOO_DEEP'],
      ['too costly', TOO_COSTLY, 'QUERY_TOO_COMPLEX'],
      ['too many aliases', TOO_MANY_ALIASES, 'TOO_MANY_ALIASES'],
    ])('applies the same limits: %s', async (_name, query, code) => {
      const client = graphqlWsClient(aol.graphqlUrl, asOperator);
      try {
        // Twice: a refused text is not cached as if it were valid.
        for (const attempt of [1, 2]) {
          const result = await wsExecute(client, query);
          expect({ attempt, codes: result.errors?.map((error) => error.extensions?.code) }).toEqual({
            attempt,
            codes: expect.arrayContaining([code]),
          });
        }
      } finally {
        await client.dispose();
      }
    });

    it('closes the socket with 1009 on a message over 64 KiB', async () => {
      const socket = new WebSocket(aol.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
      const code = await new Promise<number>((resolve) => {
        socket.on('open', () =>
          socket.send(
            JSON.stringify({ type: 'connection_init', payload: { authorization: asOperator.authorization, pad: 'x'.repeat(70_000) } }),
          ),
        );
        socket.on('close', (closeCode) => resolve(closeCode));
      });
      expect(code).toBe(1009);
    });
  });
});

describe('GraphiQL and error masking', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function landingPage(aol: TestApp): Promise<string> {
    const response = await fetch(aol.graphqlUrl, { headers: { accept: 'text/html' } });
    return response.text();
  }

  it('serves GraphiQL in development and not in production unless AOL_GRAPHIQL=1 (then the page says how to turn it on)', async () => {
    for (const [env, expected] of [
      [{}, true],
      [{ NODE_ENV: 'production', AOL_API_TOKEN: OPERATOR_TOKEN }, false],
      [{ NODE_ENV: 'production', AOL_API_TOKEN: OPERATOR_TOKEN, AOL_GRAPHIQL: '1' }, true],
    ] as const) {
      const aol = await startTestApp(db, { env });
      try {
        const page = await landingPage(aol);
        expect([env, page.includes('id="graphiql"'), page.includes('AOL_GRAPHIQL=1')]).toEqual([env, expected, !expected]);
      } finally {
        await aol.close();
      }
    }
  });

  it('in production masks an internal error: no SQL, table names, paths or stack traces reach the client', async () => {
    const aol = await startTestApp(db, { env: { NODE_ENV: 'production', AOL_API_TOKEN: OPERATOR_TOKEN } });
    try {
      await aol.sql('alter table aol_tick_ledger rename to aol_tick_ledger_gone');
      const response = await aol.graphql('{ ticks(first: 1) { edges { cursor } } }', undefined, asOperator);
      expect(response.errors).toEqual([
        expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
      ]);
      expect(JSON.stringify(response)).not.toMatch(/aol_tick_ledger|select|\/src\/|\.ts|at /);
    } finally {
      await aol.sql('alter table aol_tick_ledger_gone rename to aol_tick_ledger');
      await aol.close();
    }
  });
});
