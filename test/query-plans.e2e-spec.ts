import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { LeaseService } from '../src/lease/lease.service';
import { QueueService } from '../src/queue/queue.service';
import { Sql, sql as sqlTag } from '../src/database/sql';
import { SqlDatabase, SqlExecutor } from '../src/database/sql-database';
import { ExecutionMode } from '../src/actions/execution-mode';
import { ActionStatus } from '../src/actions/action-status';
import { bulkChange } from '../src/queue/sql/bulk-change';
import { realAttemptsSince } from '../src/ledger/sql/real-attempts-since';

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
 * The shape PostgreSQL chooses for the statements that record a batch (and a few others), on the table that
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

  it('reads only the matching rows for a bulk change and for the counts of platform pacing, through their partial indexes', async () => {
    const sql = aol.app.get(SqlDatabase);
    const explain = async (statement: Sql) =>
      nodes(
        (await sql.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(sqlTag`explain (format json) ${statement}`))[0]['QUERY PLAN'][0].Plan,
      );
    const bulk = await explain(bulkChange(sql.dialect, 'retry', { status: ActionStatus.DLQ, type: null }, 0, 500));
    expect(bulk.some((node) => node['Node Type'] === 'Seq Scan')).toBe(false);
    expect(bulk.some((node) => node['Index Name'] === 'aol_actions_status_id_idx')).toBe(true);
    const paced = await explain(realAttemptsSince(sql.dialect, 86_400_000));
    expect(paced.some((node) => node['Index Name'] === 'aol_execution_logs_real_started_idx')).toBe(true);
  });
});
