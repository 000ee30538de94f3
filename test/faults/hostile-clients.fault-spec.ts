import { connect, Socket } from 'node:net';
import WebSocket from 'ws';
import { sampleProc } from '../support/proc';
import { checkInvariants } from './support/invariants';
import { AolInstance, sleep } from './support/instance';
import { runScenario, usePrivateCluster } from './support/run';
import { FAST, Scenario } from './support/scenario';

const cluster = usePrivateCluster();

const UPGRADES = 300;
const SOCKETS = 300;
const SUBSCRIBES_PER_SOCKET = 200;
/** The service's default AOL_WS_MAX_SUBSCRIPTIONS, left as it is: the scenario shows it holding. */
const SUBSCRIPTION_CAP = 100;
const SLOW_READER_BUFFER = 256 * 1024;

/** Descriptors and resident memory of a process, from /proc, in MB. */
function sample(pid: number): { fds: number; rssMb: number; peakRssMb: number } {
  const { fds, rssKb, peakRssKb } = sampleProc(pid);
  return { fds, rssMb: rssKb / 1024, peakRssMb: peakRssKb / 1024 };
}

/** A WebSocket upgrade to a path that is not /graphql: resolves with the status line, or null if never answered. */
function strayUpgrade(instance: AolInstance, path: string, opened: Socket[]): Promise<string | null> {
  const { hostname, port } = new URL(instance.graphqlUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    opened.push(socket);
    let answer = '';
    const timer = setTimeout(() => resolve(null), 10_000);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer.split('\r\n')[0] || null);
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
}

/** An acknowledged graphql-ws socket that counts what the server says to it. */
interface HostileSocket {
  socket: WebSocket;
  /** Subscription id → the code it was refused with. */
  refused: Map<string, string>;
}

async function openGraphqlWs(instance: AolInstance): Promise<HostileSocket> {
  const socket = new WebSocket(instance.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const refused = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed with ${code} before the acknowledgement`)));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'connection_ack') resolve();
      if (message.type === 'error') refused.set(message.id, message.payload[0]?.extensions?.code);
    });
  });
  return { socket, refused };
}

function subscribe(socket: WebSocket, id: string, query: string): void {
  socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
}

/** Gaps between the starts of consecutive ticks of one owner over a time range, from the ledger. */
async function tickGaps(
  s: Scenario,
  owner: string,
  from: number,
  to: number,
): Promise<{ ticks: number; maxGapMs: number; maxGapAtMs: number }> {
  const rows = await s.sql<{ started_ms: string }>(
    `select (extract(epoch from started_at) * 1000)::bigint as started_ms from aol_tick_ledger
     where owner = $1 and started_at between to_timestamp($2 / 1000.0) and to_timestamp($3 / 1000.0) order by started_at`,
    [owner, from, to],
  );
  const starts = rows.map((row) => Number(row.started_ms));
  const gaps = starts.slice(1).map((start, index) => ({ gapMs: start - starts[index], atMs: starts[index] - from }));
  const longest = gaps.reduce((max, gap) => (gap.gapMs > max.gapMs ? gap : max), { gapMs: 0, atMs: 0 });
  return { ticks: starts.length, maxGapMs: longest.gapMs, maxGapAtMs: longest.atMs };
}

describe('hostile clients', () => {
  it('7. 300 stray upgrades, 300 sockets asking for 200 subscriptions each and a reader that never reads, while the tick runs', async () => {
    await runScenario(
      cluster(),
      'hostile-clients',
      async (s) => {
        const a = await s.spawn('hostile-a');
        await s.waitForLeader();
        s.sampler.start();
        const pid = a.pid;
        await sleep(500);
        const baseline = sample(pid);
        s.log(`baseline: ${JSON.stringify(baseline)}`);
        const keys = await s.enqueuePosts(a, s.keys('post', 30));
        const hostileFrom = Date.now();

        // 1. Upgrades to other paths: each answered and closed by the server.
        const stray: Socket[] = [];
        s.log('stray upgrades');
        const answers = await Promise.all(
          Array.from({ length: UPGRADES }, (_, i) => strayUpgrade(a, ['/', '/nowhere', '/graphql-ws', '/health'][i % 4], stray)),
        );
        const unanswered = answers.filter((answer) => answer !== 'HTTP/1.1 404 Not Found');
        if (unanswered.length > 0)
          s.violate('stray upgrades answered', `${unanswered.length} of ${UPGRADES} not answered 404`, unanswered.slice(0, 5));
        for (const socket of stray) socket.destroy();

        // 2. Sockets that ask for more subscriptions than the cap: the cap holds on each.
        s.log(`${SOCKETS} graphql-ws sockets, ${SUBSCRIBES_PER_SOCKET} subscribes each, ${Date.now() - hostileFrom} ms in`);
        const sockets: HostileSocket[] = [];
        for (let i = 0; i < SOCKETS; i += 1) sockets.push(await openGraphqlWs(a));
        for (const { socket } of sockets) {
          for (let j = 0; j < SUBSCRIBES_PER_SOCKET; j += 1) subscribe(socket, `c${j}`, 'subscription { controlFlagsChanged { paused } }');
        }
        await s
          .waitFor(
            async () => (sockets.every(({ refused }) => refused.size >= SUBSCRIBES_PER_SOCKET - SUBSCRIPTION_CAP) ? true : undefined),
            30_000,
            'every socket to hear its refusals',
          )
          .catch(() => undefined);
        const wrongRefusals = sockets.filter(
          ({ refused }) =>
            refused.size !== SUBSCRIBES_PER_SOCKET - SUBSCRIPTION_CAP ||
            [...refused.values()].some((code) => code !== 'TOO_MANY_SUBSCRIPTIONS'),
        );
        if (wrongRefusals.length > 0) {
          s.violate(
            'the subscription cap holds',
            `${wrongRefusals.length} socket(s) were not refused exactly the subscriptions past ${SUBSCRIPTION_CAP}`,
            [[...wrongRefusals[0].refused.entries()].slice(0, 5)],
          );
        }
        const loaded = sample(pid);
        s.log(`with ${SOCKETS} x ${SUBSCRIPTION_CAP} subscriptions: ${JSON.stringify(loaded)}`);

        // 3. A reader that never reads, on events that keep coming (every change of every action).
        s.log(`the reader that does not read, ${Date.now() - hostileFrom} ms in`);
        const slow = await openGraphqlWs(a);
        (slow.socket as unknown as { _socket: Socket })._socket.pause();
        for (let j = 0; j < SUBSCRIPTION_CAP; j += 1)
          subscribe(slow.socket, `slow${j}`, 'subscription { actionUpdated { id status payload } }');
        await sleep(300);
        keys.push(...(await s.enqueuePosts(a, s.keys('more', 150))));
        const dropped = await s.expectWithin(
          'a reader that does not read is dropped',
          async () => /Dropped the WebSocket/.test(a.output()),
          30_000,
          'the service to drop the reader that does not read',
        );
        if (dropped) s.log(a.grep(/Dropped the WebSocket/)[0]);

        const hostileTo = Date.now();
        const peak = sample(pid);
        for (const { socket } of sockets) socket.close();
        slow.socket.terminate();

        // Descriptors back to the baseline (a few for the database pool's churn), memory bounded.
        const settled = await s
          .waitFor(async () => (sample(pid).fds <= baseline.fds + 4 ? sample(pid) : undefined), 20_000, 'descriptors back to the baseline')
          .catch(() => sample(pid));
        s.log(`after: ${JSON.stringify(settled)}, peak ${peak.peakRssMb.toFixed(0)} MB`);
        if (settled.fds > baseline.fds + 4)
          s.violate('descriptors return to the baseline', `${settled.fds} open, baseline ${baseline.fds}`);
        // 30,000 idle subscriptions are about 15 kB each; 700 MB over the baseline is the bound.
        if (peak.peakRssMb - baseline.rssMb > 700) {
          s.violate('memory stays bounded', `peak RSS ${peak.peakRssMb.toFixed(0)} MB, baseline ${baseline.rssMb.toFixed(0)} MB`);
        }

        // The tick kept its interval throughout (from the ledger). 2 s, not the interval itself: the
        // machine is shared and the harness's own 60,000 sends compete for it (gaps of up to 1 s
        // were seen with a load average of 10); unbounded, the same clients held the tick 3.5–7 s.
        const { ticks, maxGapMs, maxGapAtMs } = await tickGaps(s, a.id, hostileFrom, hostileTo);
        s.log(
          `ticks during the hostile phase: ${ticks}, longest gap ${maxGapMs} ms, ${maxGapAtMs} ms in (interval ${s.timing.tickIntervalMs} ms)`,
        );
        if (maxGapMs > 2000) s.violate('ticks keep their interval', `a gap of ${maxGapMs} ms between ticks while the clients were at it`);

        await s.waitUntilDrained(30_000);
        await s.sampler.stop();
        await checkInvariants(s, { keys });
      },
      {
        timing: { ...FAST },
        env: {
          AOL_WS_MAX_BUFFERED_BYTES: String(SLOW_READER_BUFFER),
          // One address sends 60,000 subscribe messages: raised so that the rate limit does not stop them first.
          AOL_RATE_LIMIT_WS_MESSAGES: '1000000',
        },
      },
    );
  }, 240_000);
});
