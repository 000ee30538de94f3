import PgBoss from 'pg-boss';
import { epochMs } from '../clock';
import { ProofJob, WrittenArtifact, writeProofArtifact } from '../proof-artifact';
import { failSubject, JobStarts, onParentMessage, report, sampleLatency, subjectEnv } from '../subject-protocol';

/**
 * pg-boss 10 as a subject. Version 10 has no LISTEN/NOTIFY: a `work()` worker fetches a batch
 * (one SKIP LOCKED statement), runs the handler on the whole batch, completes the batch in one
 * statement, then sleeps out `pollingIntervalSeconds` (0.5 s at least). Its documented
 * `notifyWorker(id)` skips that sleep once. Drains run 4 workers with batchSize 50 and call
 * notifyWorker after a full batch, so a worker fetches again at once while the queue has work
 * (what a continuous drain does); the handler runs its batch's jobs concurrently.
 * W4 sends, then calls notifyWorker: the in-process wake-up standing in for a NOTIFY.
 */
const QUEUE = 'post-social';
const BATCH_SIZE = 50;
const WORKERS = Number(process.env.BENCH_PGBOSS_WORKERS ?? 4);

async function startBoss(connectionString: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString, max: WORKERS + 4 });
  boss.on('error', (error: Error) => failSubject(error));
  await boss.start();
  await boss.createQueue(QUEUE);
  return boss;
}

function benchData(index: number): ProofJob {
  return { id: index, idempotencyKey: `bench-${index}`, post: { platform: 'mastodon', text: `bench post ${index}` } };
}

async function main(): Promise<void> {
  const env = subjectEnv();
  const artifactDir = env.BENCH_ARTIFACT_DIR;
  const boss = await startBoss(env.BENCH_DATABASE_URL);

  if (env.BENCH_SUBJECT_MODE === 'latency') {
    const starts = new JobStarts();
    const workerId = await boss.work<ProofJob>(QUEUE, async ([job]) => {
      starts.started(job.data.id, epochMs());
      await writeProofArtifact(artifactDir, job.data);
      starts.finished(job.data.id);
    });
    report({ type: 'ready' });
    const samplesMs = await sampleLatency(
      env,
      starts,
      async (index) => {
        await boss.send(QUEUE, benchData(index));
        boss.notifyWorker(workerId);
      },
      epochMs,
    );
    report({ type: 'latency', samplesMs });
    onParentMessage('stop', async () => {
      await boss.stop({ graceful: true, close: true, wait: true });
      report({ type: 'stopped', handled: samplesMs.length, artifacts: [] });
    });
    return;
  }

  // Seed with pg-boss's bulk insert (not timed).
  const jobs = Number(env.BENCH_JOBS);
  for (let first = 1; first <= jobs; first += 1000) {
    const size = Math.min(1000, jobs - first + 1);
    await boss.insert(Array.from({ length: size }, (_, offset) => ({ name: QUEUE, data: benchData(first + offset) })));
  }

  const proof = env.BENCH_SUBJECT_MODE === 'drain-proof';
  const artifacts: WrittenArtifact[] = [];
  let handled = 0;
  const workerIds: string[] = [];
  const handlerFor = (slot: number) => async (batch: PgBoss.Job<ProofJob>[]) => {
    if (handled === 0) report({ type: 'first', at: epochMs() });
    handled += batch.length;
    if (proof) artifacts.push(...(await Promise.all(batch.map((job) => writeProofArtifact(artifactDir, job.data)))));
    if (batch.length === BATCH_SIZE) boss.notifyWorker(workerIds[slot]);
  };
  onParentMessage('go', async () => {
    for (let slot = 0; slot < WORKERS; slot += 1) {
      workerIds[slot] = await boss.work<ProofJob>(QUEUE, { batchSize: BATCH_SIZE, pollingIntervalSeconds: 0.5 }, handlerFor(slot));
    }
  });
  onParentMessage('stop', async () => {
    await boss.stop({ graceful: true, close: true, wait: true });
    report({ type: 'stopped', handled, artifacts });
  });
  report({ type: 'ready' });
}

main().catch(failSubject);
