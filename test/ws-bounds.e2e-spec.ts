import WebSocket from 'ws';
import { waitFor } from './support/processes';
import { useBuiltServer } from './support/built-server';
import { graphqlWsClient } from './support/graphql-client';
import { sampleProc } from './support/proc';

const OPERATOR = 'operator-token-0123456789abcdef';
const asOperator = { authorization: `Bearer ${OPERATOR}` };
const MAX_BUFFERED = 256 * 1024;

/** A raw graphql-ws socket, authenticated and acknowledged. */
async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: asOperator })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve();
    });
  });
  return socket;
}

function subscribe(socket: WebSocket, id: string): void {
  socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { tickCompleted { id outcome owner note } }' } }));
}

describe('bounds of one WebSocket', () => {
  const builtServer = useBuiltServer({
    AOL_API_TOKEN: OPERATOR,
    AOL_TICK_INTERVAL_MS: '20',
    AOL_WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
  });

  it('holds 100 subscriptions by default: the 101st gets TOO_MANY_SUBSCRIPTIONS and the others go on', async () => {
    const socket = await openSocket(builtServer().graphqlUrl);
    try {
      const errors: unknown[] = [];
      const delivered = new Set<string>();
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'error') errors.push({ id: message.id, codes: message.payload.map((error: any) => error.extensions.code) });
        if (message.type === 'next') delivered.add(message.id);
      });
      for (let i = 1; i <= 101; i += 1) subscribe(socket, `s${i}`);
      await waitFor(async () => (delivered.size === 100 ? true : undefined), 10_000, 'an event on each of the 100');
      expect(errors).toEqual([{ id: 's101', codes: ['TOO_MANY_SUBSCRIPTIONS'] }]);
      expect(delivered.has('s101')).toBe(false);
    } finally {
      socket.close();
    }
  });

  it('drops a reader that stops reading once AOL_WS_MAX_BUFFERED_BYTES wait for it, and logs it', async () => {
    const pid = builtServer().child.pid!;
    const before = sampleProc(pid);
    // 100 subscriptions at 50 ticks a second fill the kernel's buffers within seconds, then the server's.
    const socket = await openSocket(builtServer().graphqlUrl);
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 1; i <= 100; i += 1) subscribe(socket, `r${i}`);
    await waitFor(
      async () => (/Dropped the WebSocket/.test(builtServer().output()) ? true : undefined),
      45_000,
      'the slow reader to be dropped',
    );
    expect(builtServer().output()).toMatch(
      new RegExp(`Dropped the WebSocket of token:OPERATOR: \\d+ bytes wait .*\\(AOL_WS_MAX_BUFFERED_BYTES ${MAX_BUFFERED}\\)`),
    );
    // Its descriptor goes (terminated after a second's grace), and memory grew by the buffer, not by an endless queue.
    await waitFor(async () => (sampleProc(pid).fds <= before.fds ? true : undefined), 10_000, 'the descriptor to be released');
    expect(sampleProc(pid).peakRssKb - before.peakRssKb).toBeLessThan(60 * 1024);
    socket.terminate();
    // The service goes on answering the others.
    const client = graphqlWsClient(builtServer().graphqlUrl, asOperator);
    try {
      const next = await new Promise((resolve) =>
        client.subscribe(
          { query: 'subscription { tickCompleted { outcome } }' },
          { next: resolve, error: resolve, complete: () => undefined },
        ),
      );
      expect(next).toEqual({ data: { tickCompleted: { outcome: expect.any(String) } } });
    } finally {
      await client.dispose();
    }
  });

  it('keeps the 64 KiB message limit: a larger one closes the socket with 1009', async () => {
    const socket = await openSocket(builtServer().graphqlUrl);
    const code = await new Promise<number>((resolve) => {
      socket.on('close', (closeCode) => resolve(closeCode));
      socket.send(JSON.stringify({ id: 'big', type: 'subscribe', payload: { query: `{ __typename } # ${'x'.repeat(70_000)}` } }));
    });
    expect(code).toBe(1009);
  });
});
