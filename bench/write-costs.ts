import { performance } from 'node:perf_hooks';
import { runMigrations, Logger } from 'graphile-worker';
import type { Client } from 'pg';
import { withClient } from '../test/support/postgres-admin';
import { migrateAol } from './aol-process';
import { createDatabase } from './postgres';
import { readSettings } from './settings';
import { median } from './statistics';

/**
 * What PostgreSQL's writes alone cost a drain, per BENCH_JOBS actions in batches of 1,000, on
 * each system's real schema (its indexes, constraints and triggers) in a fresh database: AOL's
 * three writes per action (the claim's update, PENDING → RUNNING, found through the due index;
 * the record's update by id, RUNNING → SUCCESS; the log row) against graphile-worker's two (the
 * lock's update through its main index, the delete by id). Plain statements that change the
 * rows as each system's own statements do, without the lease fence, the audit chain or the
 * service, so that what is left is the cost of the rows themselves. The jobs are seeded
 * untimed; BENCH_WRITE_ROUNDS rounds (default 3), the two systems alternating; medians in ms.
 *
 *   npm run build && npm run bench:build && node dist-bench/bench/write-costs.js
 */
const BATCH = 1000;

interface Step {
  label: string;
  /** The statement for batch `batch` (from 0). */
  text: (batch: number) => string;
}

interface System {
  name: string;
  prepare: (url: string) => Promise<void>;
  seed: string;
  steps: Step[];
}

const quiet = new Logger(() => () => undefined);

const AOL: System = {
  name: 'AOL',
  prepare: migrateAol,
  seed: `insert into aol_actions (idempotency_key, type, payload, priority, run_after, status, attempts, attempt_floor, rescues, created_at, updated_at)
    select 'bench-' || i, 'POST_SOCIAL', jsonb_build_object('platform', 'mastodon', 'text', 'bench post ' || i), 0, now(), 'PENDING', 0, 0, 0, now(), now()
    from generate_series(1, $1::int) as i`,
  steps: [
    {
      label: 'claim (update, PENDING → RUNNING)',
      text: () => `update aol_actions set status = 'RUNNING', attempts = attempts + 1, claimed_by = 'bench', claim_epoch = 1, claim_mode = 'PROOF',
          started_at = now(), updated_at = now()
        where id in (select id from aol_actions where status in ('PENDING', 'RETRY') and run_after <= now()
                     order by priority desc, run_after, id limit ${BATCH} for update skip locked)`,
    },
    {
      label: 'record (update by id, RUNNING → SUCCESS)',
      text: (
        batch,
      ) => `update aol_actions set status = 'SUCCESS', artifact_ref = null, artifact_sha256 = null, remote_id = null, remote_url = null,
          last_error_code = null, last_error = null, updated_at = now(), finished_at = now()
        where id between ${batch * BATCH + 1} and ${(batch + 1) * BATCH} and status = 'RUNNING' and claim_epoch = 1`,
    },
    {
      label: 'log rows (insert)',
      text: (batch) => `insert into aol_execution_logs (action_id, tick_id, attempt, mode, outcome, started_at, duration_ms)
        select i, 1, 1, 'PROOF', 'SUCCESS', now(), 0 from generate_series(${batch * BATCH + 1}, ${(batch + 1) * BATCH}) as i`,
    },
  ],
};

const GRAPHILE_WORKER: System = {
  name: 'graphile-worker',
  prepare: (url) => runMigrations({ connectionString: url, logger: quiet }),
  seed: `select graphile_worker.add_jobs(array(
      select row('post_social', json_build_object('platform', 'mastodon', 'text', 'bench post ' || i), null, null, null, null, null, null)::graphile_worker.job_spec
      from generate_series(1, $1::int) as i order by i))`,
  steps: [
    {
      label: 'lock (update)',
      text: () => `update graphile_worker._private_jobs as jobs set attempts = jobs.attempts + 1, locked_by = 'bench', locked_at = now()
        where id in (select id from graphile_worker._private_jobs where is_available = true and run_at <= now()
                     order by priority asc, run_at asc limit ${BATCH} for update skip locked)`,
    },
    {
      label: 'complete (delete by id)',
      text: (batch) =>
        `delete from graphile_worker._private_jobs where id = any(array(select generate_series(${batch * BATCH + 1}, ${(batch + 1) * BATCH})::bigint))`,
    },
  ],
};

/** One drain's worth of each step, in the order a drain runs them, batch by batch: ms per step. */
async function drainOnce(client: Client, system: System, jobs: number): Promise<number[]> {
  const spent = system.steps.map(() => 0);
  for (let batch = 0; batch < jobs / BATCH; batch += 1) {
    for (const [index, step] of system.steps.entries()) {
      const began = performance.now();
      const result = await client.query(step.text(batch));
      spent[index] += performance.now() - began;
      if (result.rowCount !== BATCH) {
        throw new Error(`${system.name}, ${step.label}, batch ${batch}: ${result.rowCount} rows, expected ${BATCH}`);
      }
    }
  }
  return spent;
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const rounds = Number(process.env.BENCH_WRITE_ROUNDS ?? 3);
  const jobs = Math.ceil(settings.jobs / BATCH) * BATCH;
  const spent = new Map<System, number[][]>([
    [AOL, []],
    [GRAPHILE_WORKER, []],
  ]);
  for (let round = 0; round < rounds; round += 1) {
    for (const system of round % 2 === 0 ? [AOL, GRAPHILE_WORKER] : [GRAPHILE_WORKER, AOL]) {
      const database = await createDatabase(settings.postgresAdminUrl, 'write_costs');
      try {
        await system.prepare(database.url);
        spent.get(system)!.push(
          await withClient(database.url, async (client) => {
            await client.query(system.seed, [jobs]);
            await client.query('vacuum analyze');
            return drainOnce(client, system, jobs);
          }),
        );
      } finally {
        await database.drop();
      }
    }
  }
  console.log(`PostgreSQL's writes for a drain of ${jobs.toLocaleString('en')} in batches of ${BATCH}, medians of ${rounds} rounds (ms):`);
  for (const [system, perRound] of spent) {
    const totals = perRound.map((steps) => steps.reduce((sum, value) => sum + value, 0));
    console.log(`  ${system.name}: ${median(totals).toFixed(0)} ms in all (${totals.map((total) => total.toFixed(0)).join(', ')})`);
    system.steps.forEach((step, index) =>
      console.log(
        `    ${median(perRound.map((steps) => steps[index]))
          .toFixed(0)
          .padStart(6)}  ${step.label}`,
      ),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
