import { Client } from 'pg';
import { createTestDatabase, TEST_POSTGRES_URL, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

/** Most sessions one idle instance may hold on its database: MikroORM's pool as it needs it, and the LISTEN connection. */
const MAX_IDLE_CONNECTIONS = 4;

describe('connections of an idle instance on postgresql', () => {
  let db: TestDatabase;
  let aol: TestApp;
  let observer: Client;

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    observer = new Client({ connectionString: TEST_POSTGRES_URL });
    await observer.connect();
  });

  afterAll(async () => {
    await aol?.close();
    await observer?.end();
    await db?.drop();
  });

  it(`holds at most ${MAX_IDLE_CONNECTIONS} with the event bus on, from start-up through its idle ticks`, async () => {
    const name = new URL(db.url).pathname.slice(1);
    const sessions = async () =>
      Number((await observer.query('select count(*) as n from pg_stat_activity where datname = $1', [name])).rows[0].n);
    aol = await startTestApp(db, { env: { AOL_EVENT_BUS: 'postgres', AOL_TICK_ENABLED: '1', AOL_TICK_INTERVAL_MS: '100' } });
    const counts: number[] = [];
    for (let sample = 0; sample < 40; sample += 1) {
      counts.push(await sessions());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ticks = await aol.sql<{ n: unknown }>('select count(*) as n from aol_tick_ledger');
    expect(Number(ticks[0].n)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...counts)).toBeLessThanOrEqual(MAX_IDLE_CONNECTIONS);
    const listeners = await observer.query(
      `select count(*) as n from pg_stat_activity where datname = $1 and query = 'listen aol_events'`,
      [name],
    );
    expect(Number(listeners.rows[0].n)).toBe(1);
  });
});
