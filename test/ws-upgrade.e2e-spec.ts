import { connect, Socket } from 'node:net';
import { waitFor } from './support/processes';
import { useBuiltServer } from './support/built-server';
import { closeWaitSockets, sampleProc } from './support/proc';

const PATHS = ['/', '/nowhere', '/graphql-ws', '/graphqlx', '/health', '/subscriptions', '/graphql/../admin', '/%2e%2e/graphql2'];
const UPGRADES = 120;

interface UpgradeOutcome {
  statusLine: string | null;
  closedByServer: boolean;
}

/** Sends a WebSocket upgrade to `path` without a token and reports what the server did with it. */
function upgrade(port: number, path: string, sockets: Socket[]): Promise<UpgradeOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    const outcome = (closedByServer: boolean) => resolve({ statusLine: answer.split('\r\n')[0] || null, closedByServer });
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => outcome(true));
    socket.on('error', () => outcome(true));
    // A socket the server neither answers nor closes: reported as such after a while, not awaited forever.
    setTimeout(() => outcome(false), 5_000).unref();
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
    );
  });
}

describe('WebSocket upgrades to paths other than /graphql', () => {
  const builtServer = useBuiltServer({ AOL_API_TOKEN: 'operator-token-0123456789abcdef' });

  it('are answered 404 and closed by the server, leaving no descriptor and no CLOSE-WAIT socket behind', async () => {
    const pid = builtServer().child.pid!;
    const port = Number(new URL(builtServer().graphqlUrl).port);
    const baseline = sampleProc(pid).fds;
    const sockets: Socket[] = [];
    const outcomes = await Promise.all(Array.from({ length: UPGRADES }, (_, i) => upgrade(port, PATHS[i % PATHS.length], sockets)));
    for (const socket of sockets) socket.destroy();

    expect(outcomes.filter((outcome) => outcome.statusLine !== 'HTTP/1.1 404 Not Found')).toEqual([]);
    expect(outcomes.every((outcome) => outcome.closedByServer)).toBe(true);
    // The kernel needs a moment to hand the last FINs over; the descriptors must then be gone.
    const settled = await waitFor(
      async () => (sampleProc(pid).fds <= baseline ? sampleProc(pid).fds : undefined),
      5_000,
      'descriptors',
    ).catch(() => sampleProc(pid).fds);
    expect({ fds: settled, closeWait: closeWaitSockets(pid) }).toEqual({ fds: expect.any(Number), closeWait: 0 });
    expect(settled).toBeLessThanOrEqual(baseline);

    const health = await fetch(builtServer().graphqlUrl.replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
  });
});
