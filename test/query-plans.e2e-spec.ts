import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { LeaseService } from '../src/lease/lease.service';
import { QueueService } from '../src/queue/queue.service';
import { Sql, sql as sqlTag } from '../src/database/sql';
import { SqlDatabase, SqlExecutor } from '../src/database/sql-database';
import { ExecutionMode } from '../src/actions/execution-mode';
import { LedgerService } from '../src/ledger/ledger.service';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Join Filter'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The shape PostgreSQL chooses for the statements that record a batch, on the table that
 * trips its guesses: 20,000 actions never analyzed (autovacuum off, or not yet run). Shapes,
 * not times: the benchmark measures times.
 */
describe('query plans of the hot path on postgresql', () => {
  let db: TestDatabase;
  let aol: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    aol = await startTestApp(db);
    await aol.sql(
      `insert into aol_actions (idempotency_key, type, payload, priority, run_after, status, attempts, attempt_floor, rescues, created_at, updated_at)
       select 'plan-' || g, 'POST_SOCIAL', jsonb_build_object('platform', 'mastodon', 'text', 'post ' || g), 0, now(), 'PENDING', 0, 0, 0, now(), now()
       from generate_series(1, 20000) as g`,
    );
  });

  afterAll(async () => {
    await aol.close();
    await db.drop();
  });

  it('records 1,000 successes and 1,000 failures reading the batch once, never once per row of the table', async () => {
    const leases = aol.app.get(LeaseService);
    const queue = aol.app.get(QueueService);
    const sql = aol.app.get(SqlDatabase);
    const grant = (await leases.acquireOrRenew('plan-test', null))!;
    const fence = leases.fence('plan-test', grant.epoch);
    const claimed = await queue.claimDue({ fence, limit: 2000, mode: ExecutionMode.PROOF });
    expect(claimed).toHaveLength(2000);

    const plans: PlanNode[] = [];
    const explaining: SqlExecutor = {
      query: async <T>(statement: Sql) => {
        const [row] = await sql.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(sqlTag`explain (format json) ${statement}`);
        plans.push(row['QUERY PLAN'][0].Plan);
        return [] as T[];
      },
    };
    await queue.recordOutcomes(
      claimed.map((action, index) =>
        index % 2 === 0
          ? { action, result: { artifactRef: null, artifactSha256: null } }
          : { action, failure: { code: 'BOOM', message: 'boom', retryable: true } },
      ),
      fence,
      explaining,
    );

    expect(plans).toHaveLength(2);
    for (const plan of plans) {
      const all = nodes(plan);
      // The batch (the JSON record set) is read once: hashed, or driving a probe per row; a
      // nested loop with the batch on its inner side would read all of it for every row.
      const batchRescanned = all.some(
        (node) => node['Node Type'] === 'Nested Loop' && nodes(node.Plans![1]).some((inner) => inner['Node Type'] === 'Function Scan'),
      );
      expect(batchRescanned).toBe(false);
      expect(all.filter((node) => node['Join Filter'] !== undefined)).toEqual([]);
      expect(all.some((node) => node['Relation Name'] === 'aol_actions' && ['Seq Scan', 'Index Scan'].includes(node['Node Type']))).toBe(
        true,
      );
    }
  });

  /** The plans of the statements `run` sends through MikroORM (the listings' query builder), each explained with its bindings. */
  async function plansOf(run: () => Promise<unknown>): Promise<PlanNode[]> {
    const knex = aol.app.get(SqlDatabase).entityManager().getConnection().getKnex();
    const statements: Array<{ sql: string; bindings: unknown[] }> = [];
    const record = (query: { sql: string; bindings: unknown[] }) => statements.push(query);
    knex.on('query', record);
    try {
      await run();
    } finally {
      knex.removeListener('query', record);
    }
    const plans: PlanNode[] = [];
    for (const statement of statements) {
      const { rows } = await knex.client.raw(`explain (format json) ${statement.sql}`, statement.bindings);
      plans.push(rows[0]['QUERY PLAN'][0].Plan);
    }
    return plans;
  }

  const indexesOf = (plans: PlanNode[]) => plans.flatMap(nodes).flatMap((node) => node['Index Name'] ?? []);

  it("lists and counts actions by their last error code from that code's partial index", async () => {
    await aol.sql("update aol_actions set last_error_code = 'RATE_LIMITED' where id % 500 = 0");
    const queue = aol.app.get(QueueService);
    const plans = await plansOf(async () => {
      await queue.listActions({ errorCode: 'RATE_LIMITED' }, { first: 20, beforeId: null });
      await queue.countActions({ errorCode: 'RATE_LIMITED' });
    });
    expect(plans).toHaveLength(2);
    for (const plan of plans) expect(indexesOf([plan])).toContain('aol_actions_last_error_code_idx');
  });

  it('lists and counts the ticks that attempted something from their partial index, not the whole ledger', async () => {
    await aol.sql(
      `insert into aol_tick_ledger (owner, epoch, started_at, finished_at, duration_ms, outcome, attempted, succeeded, failed, retried, dead_lettered)
       select 'plan', 1, now(), now(), 1, 'SUCCESS', case when g % 1000 = 0 then 1 else 0 end, 0, 0, 0, 0 from generate_series(1, 20000) as g`,
    );
    const ledger = aol.app.get(LedgerService);
    const plans = await plansOf(async () => {
      await ledger.listTicks({ hideIdle: true }, { first: 20, beforeId: null });
      await ledger.countTicks({ hideIdle: true });
    });
    expect(plans).toHaveLength(2);
    for (const plan of plans) expect(indexesOf([plan])).toContain('aol_tick_ledger_busy_idx');
  });
});
