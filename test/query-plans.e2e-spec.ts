import type { Knex } from '@mikro-orm/knex';
import { createTestDatabase, DRIVERS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { LeaseService } from '../src/lease/lease.service';
import { AttemptReport, QueueService } from '../src/queue/queue.service';
import type { LeaseFence } from '../src/lease/sql/lease-fence';
import { Sql, sql as sqlTag } from '../src/database/sql';
import { SqlDatabase, SqlExecutor } from '../src/database/sql-database';
import { ExecutionMode } from '../src/actions/execution-mode';
import { bulkChange } from '../src/queue/sql/bulk-change';
import { realAttemptsSince } from '../src/ledger/sql/real-attempts-since';
import { ActionStatus, ActionType } from '../src/actions/action-status';
import { LedgerService } from '../src/ledger/ledger.service';
import { AttemptOutcome } from '../src/ledger/tick-outcome';
import { recordAttempts } from '../src/orchestrator/sql/record-attempts';

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

  let fence: LeaseFence | null = null;

  /** `count` actions claimed by the test's leader, each to be reported half as successes, half as retryable failures. */
  async function claimHalfFailing(count: number): Promise<{ fence: LeaseFence; reports: AttemptReport[] }> {
    if (!fence) {
      const leases = aol.app.get(LeaseService);
      fence = leases.fence('plan-test', (await leases.acquireOrRenew('plan-test', null))!.epoch);
    }
    const claimed = await aol.app.get(QueueService).claimDue({ fence, limit: count, mode: ExecutionMode.PROOF });
    expect(claimed).toHaveLength(count);
    const reports = claimed.map((action, index) =>
      index % 2 === 0
        ? { action, result: { artifactRef: null, artifactSha256: null } }
        : { action, failure: { code: 'BOOM', message: 'boom', retryable: true } },
    );
    return { fence, reports };
  }

  /**
   * Each batch (a JSON record set) and each CTE's rows are read once: hashed, or driving a probe
   * per row; a nested loop with one on its inner side would read all of it for every row.
   */
  function expectEachBatchReadOnce(plan: PlanNode): PlanNode[] {
    const all = nodes(plan);
    const rescanned = all.some(
      (node) =>
        node['Node Type'] === 'Nested Loop' &&
        nodes(node.Plans![1]).some((inner) => ['Function Scan', 'CTE Scan'].includes(inner['Node Type'])),
    );
    expect(rescanned).toBe(false);
    expect(all.filter((node) => node['Join Filter'] !== undefined)).toEqual([]);
    return all;
  }

  it('records 1,000 successes and 1,000 failures reading the batch once, never once per row of the table', async () => {
    const queue = aol.app.get(QueueService);
    const sql = aol.app.get(SqlDatabase);
    const { fence, reports } = await claimHalfFailing(2000);

    const plans: PlanNode[] = [];
    const explaining: SqlExecutor = {
      query: async <T>(statement: Sql) => {
        const [row] = await sql.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(sqlTag`explain (format json) ${statement}`);
        plans.push(row['QUERY PLAN'][0].Plan);
        return [] as T[];
      },
    };
    await queue.recordOutcomes(reports, fence, explaining);

    expect(plans).toHaveLength(2);
    for (const plan of plans) {
      const all = expectEachBatchReadOnce(plan);
      expect(all.some((node) => node['Relation Name'] === 'aol_actions' && ['Seq Scan', 'Index Scan'].includes(node['Node Type']))).toBe(
        true,
      );
    }
  });

  it('records 1,000 attempts with their log rows in one statement, reading each batch once', async () => {
    const sql = aol.app.get(SqlDatabase);
    const { fence, reports } = await claimHalfFailing(1000);
    const logs = reports.map(({ action }) => ({
      actionId: action.id,
      tickId: 1,
      attempt: action.attempts,
      mode: ExecutionMode.PROOF,
      outcome: AttemptOutcome.SUCCESS,
      startedAt: new Date(),
      durationMs: 1,
      artifactRef: null,
      artifactSha256: null,
      errorCode: null,
      error: null,
    }));
    const statement = recordAttempts(sql.dialect, fence, aol.app.get(QueueService).planOutcomes(reports), logs);
    const [row] = await sql.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(sqlTag`explain (format json) ${statement}`);
    expectEachBatchReadOnce(row['QUERY PLAN'][0].Plan);
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

/**
 * The indexes the console's filters read, on both databases: 10,000 actions (a few with an error
 * code) and 20,000 ticks (one in 1,000 busy), never analyzed.
 */
describe.each(DRIVERS)("query plans of the console's filters on %s", (driver) => {
  let db: TestDatabase;
  let aol: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(driver);
    aol = await startTestApp(db);
    const queue = aol.app.get(QueueService);
    for (let batch = 0; batch < 10; batch++) {
      await queue.enqueueMany(
        Array.from({ length: 1000 }, (_, i) => ({
          type: ActionType.POST_SOCIAL,
          idempotencyKey: `plan-${batch}-${i}`,
          payload: { platform: 'mastodon', text: `post ${i}` },
        })),
      );
    }
    await aol.sql("update aol_actions set last_error_code = 'RATE_LIMITED' where id % 500 = 0");
    const now = aol.app.get(SqlDatabase).dialect.now;
    await aol.app.get(SqlDatabase).query(sqlTag`insert into aol_tick_ledger
        (owner, epoch, started_at, finished_at, duration_ms, outcome, attempted, succeeded, failed, retried, dead_lettered)
      with recursive g(n) as (select 1 union all select n + 1 from g where n < 20000)
      select 'plan', 1, ${now}, ${now}, 1, 'SUCCESS', case when n % 1000 = 0 then 1 else 0 end, 0, 0, 0, 0 from g`);
  });

  afterAll(async () => {
    await aol.close();
    await db.drop();
  });

  /**
   * The indexes each statement `run` sends reads, by its plan: through MikroORM (the ledger's
   * query builder) or SqlDatabase (on PostgreSQL its own connection, which knex does not see).
   */
  async function indexesRead(run: () => Promise<unknown>): Promise<string[][]> {
    const database = aol.app.get(SqlDatabase);
    const knex = database.entityManager().getConnection().getKnex();
    const statements: Array<{ sql: string; bindings: Knex.RawBinding[] }> = [];
    const handWritten: Sql[] = [];
    const record = (query: { sql: string; bindings: Knex.RawBinding[] }) => statements.push(query);
    knex.on('query', record);
    const spy = jest.spyOn(database, 'query').mockImplementation(<T>(statement: Sql): Promise<T[]> => {
      if (driver === 'postgresql') handWritten.push(statement);
      return SqlDatabase.prototype.query.call(database, statement) as Promise<T[]>;
    });
    try {
      await run();
    } finally {
      knex.removeListener('query', record);
      spy.mockRestore();
    }
    const indexes: string[][] = [];
    for (const statement of handWritten) {
      const [row] = await database.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(sqlTag`explain (format json) ${statement}`);
      indexes.push(nodes(row['QUERY PLAN'][0].Plan).flatMap((node) => node['Index Name'] ?? []));
    }
    for (const statement of statements) {
      if (driver === 'postgresql') {
        const { rows } = await knex.raw(`explain (format json) ${statement.sql}`, statement.bindings);
        indexes.push(nodes(rows[0]['QUERY PLAN'][0].Plan).flatMap((node) => node['Index Name'] ?? []));
      } else {
        const steps: Array<{ detail: string }> = await knex.raw(`explain query plan ${statement.sql}`, statement.bindings);
        indexes.push(steps.flatMap((step) => /USING (?:COVERING )?INDEX (\w+)/.exec(step.detail)?.[1] ?? []));
      }
    }
    return indexes;
  }

  it("lists and counts actions by their last error code from that code's partial index", async () => {
    const queue = aol.app.get(QueueService);
    const read = await indexesRead(async () => {
      expect((await queue.listActions({ errorCode: 'RATE_LIMITED' }, { first: 20, beforeId: null })).items).toHaveLength(20);
      expect(await queue.countActions({ errorCode: 'RATE_LIMITED' })).toBe(20);
    });
    expect(read).toEqual([
      expect.arrayContaining(['aol_actions_last_error_code_idx']),
      expect.arrayContaining(['aol_actions_last_error_code_idx']),
    ]);
  });

  it('lists and counts the ticks that attempted something from their partial index, not the whole ledger', async () => {
    const ledger = aol.app.get(LedgerService);
    const read = await indexesRead(async () => {
      expect((await ledger.listTicks({ hideIdle: true }, { first: 10, beforeId: null })).items).toHaveLength(10);
      expect(await ledger.countTicks({ hideIdle: true })).toBe(20);
    });
    expect(read).toEqual([expect.arrayContaining(['aol_tick_ledger_busy_idx']), expect.arrayContaining(['aol_tick_ledger_busy_idx'])]);
  });
});
