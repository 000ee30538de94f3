import { request } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { createTestDatabase, DRIVERS, TestDatabase } from './support/test-database';
import { useBuiltServer } from './support/built-server';
import { startTestApp, TestApp } from './support/test-app';
import { ENQUEUE_ACTION } from './support/actions';
import { sampleProc } from './support/proc';

const OPERATOR = 'operator-token-0123456789abcdef';
const asOperator = { authorization: `Bearer ${OPERATOR}` };

/** A GraphQL body of about `bytes` whose variables are arrays nested as deep as it has room for. */
function nestedBody(bytes: number): Buffer {
  const levels = Math.floor((bytes - 64) / 2);
  return Buffer.from(`{"query":"{ __typename }","variables":{"x":${'['.repeat(levels)}${']'.repeat(levels)}}}`);
}

/** The JSON text of a value `levels` objects deep (built as text: JSON.stringify itself overflows on it). */
function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/**
 * Sends only the headers of a POST that announces `body`, and resolves with the status line the
 * server answers before any of the body has been sent (or null if it waits for the body); then
 * sends the body anyway, as an attacker would, and closes.
 */
function answerBeforeBody(url: string, headers: Record<string, string>, body: Buffer): Promise<string | null> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    const timer = setTimeout(() => resolve(null), 5_000);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (!answer.includes('\r\n')) return;
      clearTimeout(timer);
      resolve(answer.split('\r\n')[0]);
      socket.write(body, () => socket.destroy());
    });
    const lines = Object.entries({
      host: `${hostname}:${port}`,
      'content-type': 'application/json',
      'content-length': String(body.length),
      ...headers,
    });
    socket.write(`POST ${pathname} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`);
  });
}

/**
 * POSTs a body and resolves with the answer, even when the server answers (and closes) before
 * the body has been sent: a refusal that does not read the body is what is being tested.
 */
function post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers },
    });
    let answered = false;
    outgoing.on('response', (response) => {
      answered = true;
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
      response.on('error', () => undefined);
    });
    outgoing.on('error', (error) => (answered ? undefined : reject(error)));
    outgoing.end(body);
  });
}

describe('hostile bodies, against the built server', () => {
  const builtServer = useBuiltServer({ AOL_API_TOKEN: OPERATOR, AOL_TICK_INTERVAL_MS: '200' });

  /** Eight 3 MB bodies, four at a time, as an attacker sent them; returns the answers and what they cost the builtServer(). */
  async function flood(headers: Record<string, string>) {
    const pid = builtServer().child.pid!;
    const before = sampleProc(pid);
    const answers: Array<{ status: number; body: any }> = [];
    for (let round = 0; round < 2; round += 1) {
      answers.push(
        ...(await Promise.all(Array.from({ length: 4 }, () => post(builtServer().graphqlUrl, headers, nestedBody(3 * 1024 * 1024))))),
      );
    }
    const after = sampleProc(pid);
    return { answers, cpuSeconds: after.cpuSeconds - before.cpuSeconds, peakGrowthKb: after.peakRssKb - before.peakRssKb };
  }

  it('without a token: 401 UNAUTHENTICATED before the body is read, at the cost of the headers', async () => {
    const pid = builtServer().child.pid!;
    const before = sampleProc(pid);
    const answers: Array<string | null> = [];
    for (let round = 0; round < 2; round += 1) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 4 }, () => answerBeforeBody(builtServer().graphqlUrl, {}, nestedBody(3 * 1024 * 1024))),
        )),
      );
    }
    expect(answers).toEqual(Array(8).fill('HTTP/1.1 401 Unauthorized'));
    // Parsing them first cost about 1 s of CPU and 100 MB each (784 MB peak for the eight).
    const after = sampleProc(pid);
    expect(after.peakRssKb - before.peakRssKb).toBeLessThan(30 * 1024);
    expect(after.cpuSeconds - before.cpuSeconds).toBeLessThan(1.5);
  });

  it('with the token: 400 BAD_USER_INPUT for the nesting, found before the JSON is parsed', async () => {
    const { answers, cpuSeconds, peakGrowthKb } = await flood(asOperator);
    expect(answers.map((answer) => [answer.status, answer.body.errors[0].extensions.code, answer.body.errors[0].message])).toEqual(
      Array(8).fill([400, 'BAD_USER_INPUT', 'The request body nests deeper than 32 levels']),
    );
    // Read, not parsed: four 3 MB bodies at once, each held as its chunks and as one string
    // (about 24 MB), plus the collector's slack; parsing them cost 100 MB each.
    expect(peakGrowthKb).toBeLessThan(48 * 1024);
    expect(cpuSeconds).toBeLessThan(1.5);
  });
});

describe.each(DRIVERS)('a payload nested 5,000 deep on %s', (driver) => {
  let db: TestDatabase;
  let aol: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(driver);
    aol = await startTestApp(db, { env: { AOL_API_TOKEN: OPERATOR } });
  });

  afterAll(async () => {
    await aol?.close();
    await db?.drop();
  });

  /** The variables of an enqueue whose payload nests `levels` objects below it, as JSON text. */
  const variablesJson = (key: string, levels: number) =>
    `{"input":{"type":"POST_SOCIAL","idempotencyKey":"${key}","payload":{"platform":"mastodon","text":"deep","extra":${nestedJson(levels)}}}}`;

  it('is BAD_USER_INPUT over the WebSocket (no stack overflow, nothing stored)', async () => {
    const socket = new WebSocket(aol.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const errors = await new Promise<Array<{ message: string; extensions: { code: string } }>>((resolve) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: asOperator })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'connection_ack') {
          const query = JSON.stringify(ENQUEUE_ACTION);
          socket.send(`{"id":"deep","type":"subscribe","payload":{"query":${query},"variables":${variablesJson('deep-ws', 5000)}}}`);
        }
        if (message.type === 'error' || message.type === 'next') resolve(message.payload.errors ?? message.payload);
      });
    });
    socket.close();
    expect(errors.map((error) => [error.extensions.code, error.message])).toEqual([
      ['BAD_USER_INPUT', 'payload nests deeper than 8 levels'],
    ]);
    expect(await aol.sql('select id from aol_actions')).toEqual([]);
  });

  it('is BAD_USER_INPUT over HTTP too, refused with the body', async () => {
    const send = async (levels: number) => {
      const body = `{"query":${JSON.stringify(ENQUEUE_ACTION)},"variables":${variablesJson('deep-http', levels)}}`;
      const answer = await post(aol.graphqlUrl, asOperator, Buffer.from(body));
      return answer.body.errors.map((error: { message: string; extensions: { code: string } }) => [error.extensions.code, error.message]);
    };
    expect(await send(5000)).toEqual([['BAD_USER_INPUT', 'The request body nests deeper than 32 levels']]);
    expect(await send(9)).toEqual([['BAD_USER_INPUT', 'payload nests deeper than 8 levels']]);
    expect(await aol.sql('select id from aol_actions')).toEqual([]);
  });
});
