import { Client, Pool } from 'pg';
import { epochMs } from '../clock';
import { ProofJob, WrittenArtifact, writeProofArtifact } from '../proof-artifact';
import { failSubject, JobStarts, onParentMessage, report, sampleLatency, subjectEnv } from '../subject-protocol';

/**
 * The baseline: the least a loop must do for AOL's guarantees, on AOL's own schema.
 * Per batch: one claim statement (SKIP LOCKED, fenced on the lease like AOL's), the batch's
 * artifacts written (atomic, fsync), then ONE statement that completes the batch (fenced on
 * status, claim epoch and lease) and inserts its log rows from the same CTE, so the SUCCESS
 * rows and their log rows commit together. Prepared statements throughout. A few loops run
 * side by side so one batch's fsyncs overlap another's round-trips.
 */
const OWNER = 'baseline';
const BATCH = Number(process.env.BENCH_BASELINE_BATCH ?? 100);
const LOOPS = Number(process.env.BENCH_BASELINE_LOOPS ?? 4);

const LEASE_FENCE = `exists (select 1 from aol_lease l where l.name = 'orchestrator' and l.owner = $2 and l.epoch = $3 and l.expires_at > statement_timestamp())`;

const CLAIM = `
  with due as (
    select id from aol_actions
    where status in ('PENDING', 'RETRY') and run_after <= statement_timestamp()
    order by priority desc, run_after, id
    limit $1
    for update skip locked)
  update aol_actions a
  set status = 'RUNNING', attempts = a.attempts + 1, claimed_by = $2, claim_epoch = $3, updated_at = statement_timestamp()
  from due
  where a.id = due.id and ${LEASE_FENCE}
  returning a.id, a.idempotency_key, a.payload`;

const COMPLETE = `
  with done as (
    update aol_actions a
    set status = 'SUCCESS', artifact_ref = r.ref, artifact_sha256 = r.sha, last_error_code = null, last_error = null,
        updated_at = statement_timestamp(), finished_at = statement_timestamp()
    from unnest($1::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::int[]) as r(id, ref, sha, started_at, duration_ms)
    where a.id = r.id and a.status = 'RUNNING' and a.claim_epoch = $3 and ${LEASE_FENCE}
    returning a.id, a.attempts, r.ref, r.sha, r.started_at, r.duration_ms)
  insert into aol_execution_logs (action_id, tick_id, attempt, mode, outcome, started_at, duration_ms, artifact_ref, artifact_sha256)
  select id, null, attempts, 'PROOF', 'SUCCESS', started_at, duration_ms, ref, sha from done`;

interface ClaimedRow {
  id: string;
  idempotency_key: string;
  payload: { platform: string; text: string };
}

async function takeLease(pool: Pool): Promise<number> {
  const rows = (
    await pool.query<{ epoch: string }>(
      `update aol_lease set owner = $1, epoch = epoch + 1, acquired_at = statement_timestamp(), renewed_at = statement_timestamp(),
         expires_at = statement_timestamp() + interval '10 minutes'
       where name = 'orchestrator' returning epoch`,
      [OWNER],
    )
  ).rows;
  return Number(rows[0].epoch);
}

function jobOf(row: ClaimedRow): ProofJob {
  return { id: Number(row.id), idempotencyKey: row.idempotency_key, post: row.payload };
}

/** Claims, runs and completes batches until a claim comes back empty. */
async function drainBatches(
  pool: Pool,
  epoch: number,
  limit: number,
  run: (job: ProofJob) => Promise<WrittenArtifact | null>,
  onBatch: (rows: number) => void,
): Promise<void> {
  for (;;) {
    const claimed = (await pool.query<ClaimedRow>({ name: 'claim', text: CLAIM, values: [limit, OWNER, epoch] })).rows;
    if (claimed.length === 0) return;
    onBatch(claimed.length);
    const results = await Promise.all(
      claimed.map(async (row) => {
        const startedAt = new Date();
        const clock = epochMs();
        const artifact = await run(jobOf(row));
        return { id: row.id, artifact, startedAt, durationMs: Math.round(epochMs() - clock) };
      }),
    );
    await pool.query({
      name: 'complete',
      text: COMPLETE,
      values: [
        results.map((result) => result.id),
        OWNER,
        epoch,
        results.map((result) => result.artifact?.artifactRef ?? null),
        results.map((result) => result.artifact?.artifactSha256 ?? null),
        results.map((result) => result.startedAt.toISOString()),
        results.map((result) => result.durationMs),
      ],
    });
  }
}

async function main(): Promise<void> {
  const env = subjectEnv();
  const artifactDir = env.BENCH_ARTIFACT_DIR;
  const pool = new Pool({ connectionString: env.BENCH_DATABASE_URL, max: LOOPS + 1 });
  const epoch = await takeLease(pool);

  if (env.BENCH_SUBJECT_MODE === 'latency') {
    // A bare INSERT + NOTIFY, and a LISTEN connection that claims as soon as it is woken.
    const starts = new JobStarts();
    const listener = new Client({ connectionString: env.BENCH_DATABASE_URL });
    await listener.connect();
    await listener.query('listen aol_bench_wake');
    let draining: Promise<void> | null = null;
    let wokenAgain = false;
    const drain = async () => {
      do {
        wokenAgain = false;
        await drainBatches(
          pool,
          epoch,
          BATCH,
          async (job) => {
            starts.started(Number(job.idempotencyKey.slice('bench-'.length)), epochMs());
            const artifact = await writeProofArtifact(artifactDir, job);
            starts.finished(Number(job.idempotencyKey.slice('bench-'.length)));
            return artifact;
          },
          () => undefined,
        );
      } while (wokenAgain);
    };
    listener.on('notification', () => {
      if (draining) wokenAgain = true;
      else
        draining = drain()
          .finally(() => (draining = null))
          .catch(failSubject) as Promise<void>;
    });
    report({ type: 'ready' });
    const samplesMs = await sampleLatency(
      env,
      starts,
      async (index) => {
        await pool.query({
          name: 'enqueue',
          text: `with added as (
                   insert into aol_actions (idempotency_key, type, payload, status, attempts, run_after, created_at, updated_at)
                   values ($1, 'POST_SOCIAL', $2, 'PENDING', 0, statement_timestamp(), statement_timestamp(), statement_timestamp())
                   returning id)
                 select pg_notify('aol_bench_wake', id::text) from added`,
          values: [`bench-${index}`, JSON.stringify({ platform: 'mastodon', text: `bench post ${index}` })],
        });
      },
      epochMs,
    );
    report({ type: 'latency', samplesMs });
    onParentMessage('stop', async () => {
      await listener.end();
      await pool.end();
      report({ type: 'stopped', handled: samplesMs.length, artifacts: [] });
    });
    return;
  }

  const proof = env.BENCH_SUBJECT_MODE === 'drain-proof';
  let handled = 0;
  let loops: Promise<void> | null = null;
  const run = async (job: ProofJob) => (proof ? writeProofArtifact(artifactDir, job) : null);
  const onBatch = (rows: number) => {
    if (handled === 0) report({ type: 'first', at: epochMs() });
    handled += rows;
  };
  onParentMessage('go', () => {
    loops = Promise.all(Array.from({ length: LOOPS }, () => drainBatches(pool, epoch, BATCH, run, onBatch))).then(() => undefined);
    loops.catch(failSubject);
  });
  onParentMessage('stop', async () => {
    await loops;
    await pool.end();
    report({ type: 'stopped', handled, artifacts: [] });
  });
  report({ type: 'ready' });
}

main().catch(failSubject);
