import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { collectEvents, graphqlWsClient } from './support/graphql-client';
import { ENQUEUE_ACTION } from './support/actions';
import type { AolConfig } from '../src/config/aol-config';
import { EVENT_BUS, EventBus } from '../src/events/event-bus';
import { PostgresNotifyEventBus } from '../src/events/postgres-notify-event-bus';
import { SqlDatabase } from '../src/database/sql-database';

/**
 * Starts reading `topic` on an instance's event bus at once (the first read subscribes) and
 * resolves with the first `count` payloads, or fails after `timeoutMs` saying how many came.
 */
function readEvents<T>(app: TestApp, topic: string, count: number, timeoutMs = 15_000): Promise<T[]> {
  const iterator = app.app.get<EventBus>(EVENT_BUS).subscribe<T>(topic);
  const received: T[] = [];
  const reading = (async () => {
    while (received.length < count) received.push((await iterator.next()).value as T);
    await iterator.return?.();
    return received;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Only ${received.length} of ${count} events arrived within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([reading, timeout]).finally(() => clearTimeout(timer));
}

/** Two instances on one PostgreSQL, events carried by LISTEN/NOTIFY (AOL_EVENT_BUS=postgres). */
describe('several instances on one PostgreSQL', () => {
  let db: TestDatabase;
  let leader: TestApp;
  let follower: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    leader = await startTestApp(db, { env: { AOL_EVENT_BUS: 'postgres', AOL_INSTANCE_ID: 'instance-a' } });
    follower = await startTestApp(db, { env: { AOL_EVENT_BUS: 'postgres', AOL_INSTANCE_ID: 'instance-b' } });
  });

  afterAll(async () => {
    await follower?.close();
    await leader?.close();
    await db?.drop();
  });

  it('has one leader at a time: the second instance serves the API but does not tick', async () => {
    expect((await leader.tick()).outcome).toBe('SUCCESS');
    expect((await follower.tick()).outcome).toBe('NOT_LEADER');
    const status = await follower.graphql<{ autonomyStatus: { leader: boolean; instanceId: string; lease: { owner: string } } }>(
      '{ autonomyStatus { leader instanceId lease { owner } } }',
    );
    expect(status.data!.autonomyStatus).toEqual({ leader: false, instanceId: 'instance-b', lease: { owner: 'instance-a' } });
  });

  it("delivers the leader's events to a subscription on the follower, big payloads included", async () => {
    const client = graphqlWsClient(follower.graphqlUrl);
    try {
      const ticks = collectEvents<{ tickCompleted: { owner: string; succeeded: number } }>(
        client,
        'subscription { tickCompleted { owner succeeded } }',
        1,
      );
      const updates = collectEvents<{ actionUpdated: { status: string; payload: { text: string } } }>(
        client,
        'subscription { actionUpdated(status: SUCCESS) { status payload } }',
        1,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const text = '🚀'.repeat(3000); // 12 kB of JSON: more than NOTIFY carries
      const enqueued = await leader.graphql(ENQUEUE_ACTION, {
        input: { type: 'POST_SOCIAL', idempotencyKey: 'big-one', payload: { platform: 'linkedin', text } },
      });
      expect(enqueued.errors).toBeUndefined();
      await leader.tick();
      expect(await ticks.done).toEqual([{ tickCompleted: { owner: 'instance-a', succeeded: 1 } }]);
      const [update] = await updates.done;
      expect(update.actionUpdated.status).toBe('SUCCESS');
      expect(update.actionUpdated.payload.text).toBe(text);
    } finally {
      await client.dispose();
    }
  });

  it('carries a burst of events to the other instance in the order they were published, identical ones included', async () => {
    const arriving = readEvents<{ n: number; same: boolean }>(follower, 'test.burst', 600);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const bus = leader.app.get<EventBus>(EVENT_BUS);
    // Published without waiting in between, as a tick announces a claimed batch; one in six is
    // the same payload again (NOTIFY would fold identical ones sent in one statement).
    const published = Array.from({ length: 600 }, (_, index) => (index % 6 === 5 ? { n: -1, same: true } : { n: index, same: false }));
    await Promise.all(published.map((payload) => bus.publish('test.burst', payload)));
    expect(await arriving).toEqual(published);
  });

  it('sends the events still queued when an instance shuts down', async () => {
    // A bus of its own (on the leader's connection pool), so its shutdown is the only thing between publishing and closing.
    const closing = new PostgresNotifyEventBus(
      { database: { driver: 'postgresql', url: db.url } } as AolConfig,
      leader.app.get(SqlDatabase),
    );
    await closing.onModuleInit();
    const arriving = readEvents<{ n: number }>(follower, 'test.last-words', 1200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const published = Array.from({ length: 1200 }, (_, n) => ({ n })); // more than one statement carries
    for (const payload of published) void closing.publish('test.last-words', payload);
    await closing.onApplicationShutdown();
    expect(await arriving).toEqual(published);
  });

  it('hands leadership over when the leader stops: the other takes the lease with a higher epoch', async () => {
    const before = await leader.sql<{ epoch: unknown }>('select epoch from aol_lease');
    await leader.close();
    expect((await follower.tick()).outcome).toBe('SUCCESS');
    const after = await follower.sql<{ owner: string; epoch: unknown }>('select owner, epoch from aol_lease');
    expect(after[0].owner).toBe('instance-b');
    expect(Number(after[0].epoch)).toBe(Number(before[0].epoch) + 1);
    leader = await startTestApp(db, { env: { AOL_EVENT_BUS: 'postgres', AOL_INSTANCE_ID: 'instance-a' } });
    expect((await leader.tick()).outcome).toBe('NOT_LEADER');
  });
});
