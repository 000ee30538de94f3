import PgBoss from 'pg-boss';
import { Logger, makeWorkerUtils, runMigrations } from 'graphile-worker';
import { enqueueBulk, enqueueOne, httpTransport, probeAolApi } from '../aol-graphql';
import { aolEnv, migrateAol, startAolServer } from '../aol-process';
import { epochMs, sleep } from '../clock';
import { BenchContext, Measurement, rotated } from '../measurement';
import { benchPool, createDatabase } from '../postgres';
import { benchJobs } from '../seed';
import { join } from 'node:path';

/**
 * W3: enqueue throughput. Bulk: BENCH_JOBS actions in calls of 1,000 (AOL's enqueueActions
 * over HTTP; graphile-worker's addJobs and its SQL add_jobs with the specs built in SQL;
 * pg-boss's insert). Single: BENCH_SINGLE_JOBS actions one call each from 8 concurrent
 * clients (AOL's enqueueAction over HTTP; graphile-worker's addJob and pg-boss's send, in
 * process). AOL runs with its tick off, so only enqueueing is measured; each system gets a
 * fresh database. Every way of enqueueing first adds BENCH_ENQUEUE_WARMUP jobs untimed (a
 * running service's steady state, for AOL's fresh process as for the peers in the harness's
 * own), then the timed ones, whose rows are counted before and after.
 */
const quiet = new Logger(() => () => undefined);

async function concurrently(clients: number, first: number, count: number, add: (index: number) => Promise<unknown>): Promise<number> {
  let next = first;
  const began = epochMs();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let index = next++; index < first + count; index = next++) await add(index);
    }),
  );
  return count / ((epochMs() - began) / 1000);
}

async function timed(count: number, work: () => Promise<unknown>): Promise<number> {
  const began = epochMs();
  await work();
  return count / ((epochMs() - began) / 1000);
}

/** `add(first, size)` over jobs first..first+count-1 in calls of at most 1,000, one after another. */
async function inCalls(first: number, count: number, add: (first: number, size: number) => Promise<unknown>): Promise<void> {
  for (let start = first; start < first + count; start += 1000) await add(start, Math.min(1000, first + count - start));
}

/**
 * Adds `warmup` jobs untimed, then `count` timed, with fresh job numbers from `numbers`; returns
 * the timed rate, checked against the rows `countRows()` saw appear during the timed part.
 * Every system builds its jobs inside the timed part, as AOL's client builds its inputs.
 */
async function warmThenTimed(
  numbers: { next: number },
  warmup: number,
  count: number,
  countRows: () => Promise<number>,
  add: (first: number, count: number) => Promise<unknown>,
): Promise<ReturnType<typeof checked>> {
  if (warmup > 0) await add(numbers.next, warmup);
  numbers.next += warmup;
  const before = await countRows();
  const first = numbers.next;
  numbers.next += count;
  const rate = await timed(count, () => add(first, count));
  return checked(rate, (await countRows()) - before, count);
}

type Row = Omit<Measurement, 'workload' | 'unit' | 'better' | 'repetition'>;

function checked(
  rate: number,
  counted: number,
  expected: number,
): { value: number | null; note?: string; details: Record<string, unknown> } {
  return counted === expected
    ? { value: rate, details: { rows: counted } }
    : { value: null, note: `verification failed: ${counted} rows, expected ${expected}`, details: { rows: counted } };
}

async function aol(ctx: BenchContext): Promise<Row[]> {
  const { jobs, singleJobs, singleClients, enqueueWarmup } = ctx.settings;
  const database = await createDatabase(ctx.settings.postgresAdminUrl, 'enqueue_aol');
  const pool = benchPool(database.url, 1);
  try {
    await migrateAol(database.url);
    const server = await startAolServer(aolEnv(ctx.settings, database.url, join(ctx.settings.scratchDir, 'enqueue-artifacts'), 'disabled'));
    try {
      const count = async () => Number((await pool.query('select count(*) as c from aol_actions')).rows[0].c);
      const keys = { next: 1 };
      const rows: Row[] = [];
      const api = await probeAolApi(server.url);
      if (api.hasEnqueueActions) {
        const bulk = await warmThenTimed(keys, enqueueWarmup, jobs, count, (first, total) => enqueueBulk(server.url, first, total));
        rows.push({ metric: 'bulk enqueue', system: 'AOL enqueueActions (HTTP)', isAol: true, ...bulk });
      } else {
        ctx.note('W3 bulk: AOL has no enqueueActions mutation yet, so AOL bulk enqueue is "not available".');
        rows.push({
          metric: 'bulk enqueue',
          system: 'AOL enqueueActions (HTTP)',
          isAol: true,
          value: null,
          note: 'not available (no enqueueActions)',
        });
      }
      const overHttp = httpTransport(server.url);
      const single = await warmThenTimed(keys, enqueueWarmup, singleJobs, count, (first, total) =>
        concurrently(singleClients, first, total, (index) => enqueueOne(overHttp, index)),
      );
      rows.push({ metric: 'single enqueue', system: `AOL enqueueAction (HTTP, ${singleClients} clients)`, isAol: true, ...single });
      return rows;
    } finally {
      await server.child.stop();
    }
  } finally {
    await pool.end();
    await database.drop();
  }
}

async function graphile(ctx: BenchContext): Promise<Row[]> {
  const { jobs, singleJobs, singleClients, enqueueWarmup } = ctx.settings;
  const database = await createDatabase(ctx.settings.postgresAdminUrl, 'enqueue_graphile');
  const pool = benchPool(database.url, 1);
  try {
    await runMigrations({ connectionString: database.url, logger: quiet });
    // Our own pool (with an error listener), so dropping the database cannot crash the run.
    const utilsPool = benchPool(database.url, singleClients + 2);
    const utils = await makeWorkerUtils({ pgPool: utilsPool, logger: quiet });
    try {
      const count = async () => Number((await pool.query('select count(*) as c from graphile_worker._private_jobs')).rows[0].c);
      const numbers = { next: 1 };
      const addJobs = await warmThenTimed(numbers, enqueueWarmup, jobs, count, (first, total) =>
        inCalls(first, total, (start, size) =>
          utils.addJobs(benchJobs(size, start).map((job) => ({ identifier: 'post_social', payload: job }))),
        ),
      );
      const sqlAddJobs = await warmThenTimed(numbers, enqueueWarmup, jobs, count, (first, total) =>
        inCalls(first, total, (start, size) =>
          pool.query(
            `select graphile_worker.add_jobs(array(
               select row('post_social', json_build_object('id', i, 'idempotencyKey', 'bench-' || i,
                          'post', json_build_object('platform', 'mastodon', 'text', 'bench post ' || i)),
                          null, null, null, null, null, null)::graphile_worker.job_spec
               from generate_series($1::int, $2::int) as i))`,
            [start, start + size - 1],
          ),
        ),
      );
      const single = await warmThenTimed(numbers, enqueueWarmup, singleJobs, count, (first, total) =>
        concurrently(singleClients, first, total, (index) =>
          utils.addJob('post_social', {
            id: index,
            idempotencyKey: `bench-${index}`,
            post: { platform: 'mastodon', text: `bench post ${index}` },
          }),
        ),
      );
      return [
        { metric: 'bulk enqueue', system: 'graphile-worker addJobs', isAol: false, ...addJobs },
        { metric: 'bulk enqueue', system: 'graphile-worker SQL add_jobs', isAol: false, ...sqlAddJobs },
        { metric: 'single enqueue', system: 'graphile-worker addJob', isAol: false, ...single },
      ];
    } finally {
      await utils.release();
      await utilsPool.end();
    }
  } finally {
    await pool.end();
    await database.drop();
  }
}

async function pgBoss(ctx: BenchContext): Promise<Row[]> {
  const { jobs, singleJobs, singleClients, enqueueWarmup } = ctx.settings;
  const database = await createDatabase(ctx.settings.postgresAdminUrl, 'enqueue_pgboss');
  const boss = new PgBoss({ connectionString: database.url, max: singleClients + 2 });
  boss.on('error', (error: Error) => ctx.log(`pg-boss error: ${error.message}`));
  try {
    await boss.start();
    await boss.createQueue('post-social');
    const count = async () =>
      Number((await boss.getDb().executeSql(`select count(*) as c from pgboss.job where name = 'post-social'`, [])).rows[0].c);
    const numbers = { next: 1 };
    const insert = await warmThenTimed(numbers, enqueueWarmup, jobs, count, (first, total) =>
      inCalls(first, total, (start, size) => boss.insert(benchJobs(size, start).map((job) => ({ name: 'post-social', data: job })))),
    );
    const send = await warmThenTimed(numbers, enqueueWarmup, singleJobs, count, (first, total) =>
      concurrently(singleClients, first, total, (index) =>
        boss.send('post-social', {
          id: index,
          idempotencyKey: `bench-${index}`,
          post: { platform: 'mastodon', text: `bench post ${index}` },
        }),
      ),
    );
    return [
      { metric: 'bulk enqueue', system: 'pg-boss insert', isAol: false, ...insert },
      { metric: 'single enqueue', system: 'pg-boss send', isAol: false, ...send },
    ];
  } finally {
    await boss.stop({ graceful: false, close: true, wait: true });
    // pg-boss's pool has no error listener once stopped, and its sockets close after stop()
    // resolves: give them a moment, or DROP … WITH (FORCE) can crash the run through it.
    await sleep(1000);
    await database.drop();
  }
}

export async function enqueueWorkload(ctx: BenchContext, repetition: number): Promise<Measurement[]> {
  const results: Measurement[] = [];
  for (const [name, run] of rotated(
    [
      ['AOL', aol],
      ['graphile-worker', graphile],
      ['pg-boss', pgBoss],
    ] as const,
    repetition,
  )) {
    try {
      const machineBusyBefore = await ctx.quiet();
      for (const row of await run(ctx)) {
        results.push({
          ...row,
          workload: 'W3',
          unit: 'actions/s',
          better: 'higher',
          repetition,
          details: { ...row.details, machineBusyBefore },
        });
        ctx.log(
          `W3 rep ${repetition + 1} ${row.system} ${row.metric}: ${row.value === null ? row.note : `${row.value.toFixed(0)} actions/s`}`,
        );
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log(`W3 rep ${repetition + 1} ${name}: FAILED ${message}`);
      results.push({
        workload: 'W3',
        metric: 'bulk enqueue',
        unit: 'actions/s',
        better: 'higher',
        system: name,
        isAol: name === 'AOL',
        repetition,
        value: null,
        note: `failed: ${message.split('\n')[0].slice(0, 200)}`,
      });
    }
  }
  return results;
}
