import { Pool } from 'pg';
import { Logger, makeWorkerUtils, run, Runner, runMigrations, Task } from 'graphile-worker';
import { epochMs } from '../clock';
import { ProofJob, WrittenArtifact, writeProofArtifact, writeProofFileOnly } from '../proof-artifact';
import { failSubject, JobStarts, onParentMessage, report, sampleLatency, subjectEnv } from '../subject-protocol';

/**
 * graphile-worker 0.17 as a subject. Drains run the configuration of its performance page
 * (worker.graphile.org/docs/performance): concurrentJobs 24, maxPoolSize 25, a local queue of
 * 500 jobs fetched and locked in one statement, and completions/failures batched
 * (completeJobBatchDelay / failJobBatchDelay 0). W4 runs its defaults: one job at a time,
 * woken by its LISTEN/NOTIFY on add. With BENCH_ARTIFACT_SYNC=file its PROOF handler writes and
 * fsyncs the artifact in place, without the temporary file, the rename and the directory's
 * fsync that AOL's store does (W1's "file fsync only" row).
 */
const TASK = 'post_social';
const quiet = new Logger(() => () => undefined);

const FAST_PRESET = {
  worker: {
    concurrentJobs: 24,
    maxPoolSize: 25,
    localQueue: { size: 500 },
    completeJobBatchDelay: 0,
    failJobBatchDelay: 0,
  },
};

async function main(): Promise<void> {
  const env = subjectEnv();
  const connectionString = env.BENCH_DATABASE_URL;
  const artifactDir = env.BENCH_ARTIFACT_DIR;
  await runMigrations({ connectionString, logger: quiet });

  if (env.BENCH_SUBJECT_MODE === 'latency') {
    const starts = new JobStarts();
    const task: Task = async (payload) => {
      const job = payload as ProofJob;
      starts.started(job.id, epochMs());
      await writeProofArtifact(artifactDir, job);
      starts.finished(job.id);
    };
    const runner = await run({ connectionString, logger: quiet, noHandleSignals: true, taskList: { [TASK]: task }, parsedCronItems: [] });
    const utils = await makeWorkerUtils({ connectionString, logger: quiet });
    report({ type: 'ready' });
    const samplesMs = await sampleLatency(
      env,
      starts,
      async (index) => {
        await utils.addJob(TASK, {
          id: index,
          idempotencyKey: `bench-${index}`,
          post: { platform: 'mastodon', text: `bench post ${index}` },
        });
      },
      epochMs,
    );
    report({ type: 'latency', samplesMs });
    onParentMessage('stop', async () => {
      await runner.stop();
      await utils.release();
      report({ type: 'stopped', handled: samplesMs.length, artifacts: [] });
    });
    return;
  }

  // Seed with graphile's own SQL API in one statement (not timed).
  const pool = new Pool({ connectionString, max: 1 });
  await pool.query(
    `select graphile_worker.add_jobs(array(
       select row($1::text, json_build_object('id', i, 'idempotencyKey', 'bench-' || i,
                  'post', json_build_object('platform', 'mastodon', 'text', 'bench post ' || i)),
                  null, null, null, null, null, null)::graphile_worker.job_spec
       from generate_series(1, $2::int) as i order by i))`,
    [TASK, Number(env.BENCH_JOBS)],
  );
  await pool.end();

  const proof = env.BENCH_SUBJECT_MODE === 'drain-proof';
  const write = process.env.BENCH_ARTIFACT_SYNC === 'file' ? writeProofFileOnly : writeProofArtifact;
  const artifacts: WrittenArtifact[] = [];
  let handled = 0;
  const task: Task = async (payload) => {
    if (handled === 0) report({ type: 'first', at: epochMs() });
    handled += 1;
    if (proof) artifacts.push(await write(artifactDir, payload as ProofJob));
  };
  let runner: Runner | null = null;
  onParentMessage('go', async () => {
    runner = await run({
      connectionString,
      logger: quiet,
      noHandleSignals: true,
      taskList: { [TASK]: task },
      parsedCronItems: [],
      preset: FAST_PRESET,
    });
  });
  onParentMessage('stop', async () => {
    await runner?.stop();
    report({ type: 'stopped', handled, artifacts });
  });
  report({ type: 'ready' });
}

main().catch(failSubject);
