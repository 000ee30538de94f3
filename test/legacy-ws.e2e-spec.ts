import WebSocket from 'ws';
import { waitFor } from './support/processes';
import { DRIVERS } from './support/test-database';
import { useTestApp } from './support/test-app';

const OPERATOR = 'legacy-operator-token-0123456789';
const READER = 'legacy-reader-token-0123456789ab';
const MAX_SUBSCRIPTIONS = 3;

interface LegacyMessage {
  type: string;
  id?: string;
  payload?: any;
}

/** A socket speaking subscriptions-transport-ws's `graphql-ws` subprotocol, recording what it receives and how it closed. */
class LegacySocket {
  readonly messages: LegacyMessage[] = [];
  closed?: { code: number; reason: string };
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as LegacyMessage));
    socket.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  static async open(graphqlUrl: string): Promise<LegacySocket> {
    const socket = new WebSocket(graphqlUrl.replace(/^http/, 'ws'), 'graphql-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    expect(socket.protocol).toBe('graphql-ws');
    return new LegacySocket(socket);
  }

  /** Opens a socket and sends connection_init with `token`, waiting for the acknowledgement. */
  static async acknowledged(graphqlUrl: string, token = OPERATOR): Promise<LegacySocket> {
    const legacy = await LegacySocket.open(graphqlUrl);
    legacy.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    await legacy.next((message) => message.type === 'connection_ack');
    return legacy;
  }

  send(message: LegacyMessage): void {
    this.socket.send(JSON.stringify(message));
  }

  next(match: (message: LegacyMessage) => boolean, timeoutMs = 10_000): Promise<LegacyMessage> {
    return waitFor(async () => this.messages.find(match), timeoutMs, 'a legacy message');
  }

  whenClosed(): Promise<{ code: number; reason: string }> {
    return waitFor(async () => this.closed, 10_000, 'the socket to close');
  }

  close(): void {
    this.socket.terminate();
  }
}

const TICKS = 'subscription { tickCompleted { id outcome } }';

describe.each(DRIVERS)('the legacy graphql-ws protocol (subscriptions-transport-ws) on %s', (driver) => {
  const aol = useTestApp(driver, {
    env: { AOL_API_TOKEN: OPERATOR, AOL_READ_TOKEN: READER, AOL_WS_MAX_SUBSCRIPTIONS: String(MAX_SUBSCRIPTIONS) },
  });

  it('acknowledges a good token with connection_ack and a ka, then delivers tickCompleted as data until stop', async () => {
    const socket = await LegacySocket.acknowledged(aol.graphqlUrl);
    try {
      expect(socket.messages.slice(0, 2)).toEqual([{ type: 'connection_ack' }, { type: 'ka' }]);
      socket.send({ type: 'start', id: '1', payload: { query: TICKS, variables: {} } });
      let data: LegacyMessage | undefined;
      for (let attempt = 0; attempt < 20 && !data; attempt++) {
        const report = await aol.tick();
        data = await socket
          .next((message) => message.type === 'data' && message.payload.data.tickCompleted.id === String(report.tick!.id), 500)
          .catch(() => undefined);
      }
      expect(data).toEqual({ type: 'data', id: '1', payload: { data: { tickCompleted: { id: expect.any(String), outcome: 'SUCCESS' } } } });
      socket.send({ type: 'stop', id: '1' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const received = socket.messages.length;
      await aol.tick();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(socket.messages.slice(received)).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('never runs a start sent before the acknowledgement: the socket is closed with 4401 and nothing is sent back', async () => {
    const socket = await LegacySocket.open(aol.graphqlUrl);
    socket.send({ type: 'start', id: 'early', payload: { query: 'mutation { pause(reason: "before the ack") { paused } }' } });
    expect(await socket.whenClosed()).toEqual({ code: 4401, reason: 'Unauthorized' });
    expect(socket.messages).toEqual([]);
    const [{ paused }] = await aol.sql<{ paused: unknown }>('select paused from aol_control_flags');
    expect(Boolean(paused)).toBe(false);
  });

  it.each([
    ['a wrong token', { authorization: 'Bearer not-the-token-0123456789' }],
    ['no token', {}],
  ])('refuses %s at connection_init with connection_error, then closes with 4403', async (_case, payload) => {
    const socket = await LegacySocket.open(aol.graphqlUrl);
    socket.send({ type: 'connection_init', payload });
    socket.send({ type: 'start', id: 'after', payload: { query: TICKS } });
    expect(await socket.whenClosed()).toMatchObject({ code: 4403 });
    expect(socket.messages).toEqual([{ type: 'connection_error', payload: { message: expect.any(String) } }]);
  });

  it('keeps the read token to queries and subscriptions: a mutation gets an error with its code and changes nothing', async () => {
    const socket = await LegacySocket.acknowledged(aol.graphqlUrl, READER);
    try {
      socket.send({ type: 'start', id: 'm', payload: { query: 'mutation { pause(reason: "reader") { paused } }' } });
      const error = await socket.next((message) => message.type === 'error');
      expect(error).toEqual({
        type: 'error',
        id: 'm',
        payload: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })],
      });
      socket.send({ type: 'start', id: 'q', payload: { query: '{ controlFlags { paused } }' } });
      expect(await socket.next((message) => message.type === 'data')).toEqual({
        type: 'data',
        id: 'q',
        payload: { data: { controlFlags: { paused: false } } },
      });
      await socket.next((message) => message.type === 'complete' && message.id === 'q');
    } finally {
      socket.close();
    }
  });

  it('holds AOL_WS_MAX_SUBSCRIPTIONS operations per socket: the next start gets TOO_MANY_SUBSCRIPTIONS', async () => {
    const socket = await LegacySocket.acknowledged(aol.graphqlUrl);
    try {
      for (let i = 1; i <= MAX_SUBSCRIPTIONS + 1; i++) socket.send({ type: 'start', id: `s${i}`, payload: { query: TICKS } });
      const error = await socket.next((message) => message.type === 'error');
      expect(error).toEqual({
        type: 'error',
        id: `s${MAX_SUBSCRIPTIONS + 1}`,
        payload: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS' }) })],
      });
      await aol.tick();
      for (let i = 1; i <= MAX_SUBSCRIPTIONS; i++) await socket.next((message) => message.type === 'data' && message.id === `s${i}`);
    } finally {
      socket.close();
    }
  });

  it('applies the query limits and answers a message of no legacy type by closing with 4400', async () => {
    const socket = await LegacySocket.acknowledged(aol.graphqlUrl);
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ');
    socket.send({ type: 'start', id: 'wide', payload: { query: `{ ${aliases} }` } });
    const error = await socket.next((message) => message.type === 'error');
    expect(error).toEqual({ type: 'error', id: 'wide', payload: [expect.objectContaining({ extensions: { code: 'TOO_MANY_ALIASES' } })] });
    socket.send({ type: 'subscribe', id: 'modern', payload: { query: TICKS } });
    expect(await socket.whenClosed()).toMatchObject({ code: 4400 });
  });
});

describe('the legacy protocol under the WebSocket rate limits', () => {
  const aol = useTestApp('sqlite', {
    env: { AOL_API_TOKEN: OPERATOR, AOL_RATE_LIMIT_WS_MESSAGES: '20', AOL_RATE_LIMIT_WINDOW_SECONDS: '3600' },
  });

  it('counts its messages with the same limit per token: a flood of starts closes the socket with 4429', async () => {
    const socket = await LegacySocket.acknowledged(aol.graphqlUrl);
    for (let i = 0; i < 40; i++) socket.send({ type: 'start', id: `q${i}`, payload: { query: '{ controlFlags { paused } }' } });
    expect(await socket.whenClosed()).toMatchObject({ code: 4429 });
  });
});
