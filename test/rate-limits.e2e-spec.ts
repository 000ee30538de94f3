import WebSocket from 'ws';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { wsCloseCode } from './support/graphql-client';

const OPERATOR = 'operator-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';
const asOperator = { authorization: `Bearer ${OPERATOR}` };
const asViewer = { authorization: `Bearer ${VIEWER}` };
// An hour's window: the count cannot start afresh in the middle of a test.
const WINDOW = { AOL_RATE_LIMIT_WINDOW_SECONDS: '3600' };

async function rawPost(aol: TestApp, headers: Record<string, string>) {
  const response = await fetch(aol.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ controlFlags { paused } }' }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions: { code: string; retryAfterSeconds?: number } }> };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), code: body.errors?.[0].extensions.code };
}

/** Opens a graphql-ws socket, sends `messages` pings after the acknowledgement, and resolves with the close code (or 'open'). */
function pingFlood(aol: TestApp, messages: number): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const socket = new WebSocket(aol.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: asOperator })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type !== 'connection_ack') return;
      for (let i = 0; i < messages; i += 1) socket.send(JSON.stringify({ type: 'ping' }));
      setTimeout(() => {
        resolve('open');
        socket.close();
      }, 1000);
    });
    socket.on('close', (code) => resolve(code));
  });
}

describe('rate limits', () => {
  let db: TestDatabase;
  let aol: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });

  afterEach(async () => {
    await aol?.close();
    aol = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('are on by default, far above what a console needs: 200 quick requests all pass', async () => {
    aol = await startTestApp(db, { env: { AOL_API_TOKEN: OPERATOR } });
    const answers = await Promise.all(Array.from({ length: 200 }, () => rawPost(aol!, asOperator)));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(aol.config.rateLimits).toEqual({
      windowSeconds: 60,
      requests: 12_000,
      wsConnections: 600,
      wsMessages: 12_000,
      failedAuthentications: 30,
    });
  });

  it('count HTTP requests per token: past the limit, 429 RATE_LIMITED with Retry-After; the other token keeps its own count', async () => {
    aol = await startTestApp(db, { env: { AOL_API_TOKEN: OPERATOR, AOL_READ_TOKEN: VIEWER, AOL_RATE_LIMIT_REQUESTS: '20', ...WINDOW } });
    const answers = [];
    for (let i = 0; i < 25; i += 1) answers.push(await rawPost(aol, asOperator));
    expect(answers.slice(0, 20).every((answer) => answer.status === 200)).toBe(true);
    for (const refused of answers.slice(20)) {
      expect(refused).toEqual({ status: 429, retryAfter: expect.stringMatching(/^\d+$/), code: 'RATE_LIMITED' });
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    }
    expect(await rawPost(aol, asViewer)).toMatchObject({ status: 200 });
  });

  it('count addresses when the API is open', async () => {
    aol = await startTestApp(db, { env: { AOL_RATE_LIMIT_REQUESTS: '5', ...WINDOW } });
    const statuses = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await rawPost(aol, {})).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });

  it('slow down failed authentication per address: past the limit even the right token waits, on HTTP and WebSocket', async () => {
    aol = await startTestApp(db, { env: { AOL_API_TOKEN: OPERATOR, AOL_RATE_LIMIT_FAILED_AUTH: '5', ...WINDOW } });
    const wrong = { authorization: 'Bearer wrong-token-000000000000000' };
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await rawPost(aol, wrong)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(await rawPost(aol, asOperator)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    const get = await fetch(`${aol.graphqlUrl}?query=%7B__typename%7D`, { headers: { ...asOperator, 'apollo-require-preflight': '1' } });
    expect([get.status, get.headers.get('retry-after')]).toEqual([429, expect.stringMatching(/^\d+$/)]);
    // The upgrade itself is refused, before any graphql-ws message.
    expect(await upgradeStatus(aol)).toBe(429);
  });

  it('count WebSocket connections per token (4429 past the limit) and failed WebSocket logins per address', async () => {
    aol = await startTestApp(db, {
      env: { AOL_API_TOKEN: OPERATOR, AOL_RATE_LIMIT_WS_CONNECTIONS: '3', AOL_RATE_LIMIT_FAILED_AUTH: '2', ...WINDOW },
    });
    const codes = [];
    for (let i = 0; i < 4; i += 1) codes.push(await wsCloseCodeAfterAck(aol));
    expect(codes).toEqual(['open', 'open', 'open', 4429]);
    expect(await wsCloseCode(aol.graphqlUrl, { authorization: 'Bearer nope-nope-nope-nope' })).toBe(4403);
    expect(await wsCloseCode(aol.graphqlUrl, { authorization: 'Bearer nope-nope-nope-nope' })).toBe(4403);
    expect(await upgradeStatus(aol)).toBe(429);
  });

  it('count WebSocket messages per token: a flood of pings closes the socket with 4429', async () => {
    aol = await startTestApp(db, { env: { AOL_API_TOKEN: OPERATOR, AOL_RATE_LIMIT_WS_MESSAGES: '50', ...WINDOW } });
    expect(await pingFlood(aol, 10)).toBe('open');
    expect(await pingFlood(aol, 100)).toBe(4429);
  });
});

/** The HTTP status that refuses a WebSocket upgrade, or 101 when it is accepted. */
function upgradeStatus(aol: TestApp): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(aol.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode!));
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', () => undefined);
  });
}

/** 'open' when the server acknowledges a connection within a second, else its close code. */
function wsCloseCodeAfterAck(aol: TestApp): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const socket = new WebSocket(aol.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: asOperator })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') {
        resolve('open');
        socket.close();
      }
    });
    socket.on('close', (code) => resolve(code));
  });
}
