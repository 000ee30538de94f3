import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { collectEvents, graphqlWsClient } from './support/graphql-client';
import { ENQUEUE_ACTION } from './support/actions';

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
      const ticks = collectEvents<{ tickCompleted: { owner: string; succeeded: number } }>(client, 'subscription { tickCompleted { owner succeeded } }', 1);
      const updates = collectEvents<{ actionUpdated: { status: string; payload: { text: string } } }>(
        client,
        'subscription { actionUpdated(status: SUCCESS) { status payload } }',
        1,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const text = '🚀'.repeat(3000); // 12 kB of JSON: more than NOTIFY carries
      const enqueued = await leader.graphql(ENQUEUE_ACTION, { input: { type: 'POST_SOCIAL', idempotencyKey: 'big-one', payload: { platform: 'linkedin', text } } });
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
