import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { enqueueBulk, probeAolApi, resume } from '../aol-graphql';
import { aolEnv, migrateAol, startAolServer, waitForGraphql } from '../aol-process';
import { freePort } from '../child-process';
import { epochMs, sleep } from '../clock';
import { BenchContext, Measurement, rotated } from '../measurement';
import { createDatabase, observerPool } from '../postgres';
import { countBadArtifacts, WrittenArtifact, writeProofArtifact } from '../proof-artifact';
import { benchJobs, PAUSE_SWITCHBOARD_POSTGRES, PAUSE_SWITCHBOARD_SQLITE, SEED_ACTIONS_POSTGRES, SEED_ACTIONS_SQLITE } from '../seed';
import { SqliteFile } from '../sqlite-file';
import { Subject, SubjectName } from '../subject-protocol';
import type { BenchSettings, WorkloadId } from '../settings';

/** The peers' and the baseline's knobs, passed to their subject processes. */
export function subjectTuning(settings: BenchSettings): Record<string, string> {
  return {
    BENCH_BASELINE_BATCH: String(settings.baselineBatch),
    BENCH_BASELINE_LOOPS: String(settings.baselineLoops),
    BENCH_PGBOSS_WORKERS: String(settings.pgbossWorkers),
  };
}

/**
 * W1 (PROOF handler), W2 (no-op handler) and W7 (W1 on SQLite): N actions are in the queue
 * before the system may consume them; the drain is timed from the start of the first job's
 * handler to the moment an observer connection first sees nothing left to do (it polls a
 * cheap EXISTS every 5 ms, so the end is late by at most ~5 ms plus one round-trip, for every
 * system alike). Then the work is checked with SQL and by re-hashing every artifact.
 */
type Driver = 'postgresql' | 'sqlite';

interface DrainResult {
  seconds: number;
  /** From the go signal to the first handler start: boot-up left in the system after "ready". */
  goToFirstMs: number;
  checks: Record<string, number | boolean | string>;
  verified: boolean;
  /** How busy the machine was (0–1, all cores) in the second before the go. */
  machineBusyBefore: number;
}

const POLL_MS = 5;
const AOL_BUSY = `select exists (select 1 from aol_actions where status in ('PENDING', 'RETRY', 'RUNNING')) as busy`;

async function pollUntilDrained(isBusy: () => Promise<boolean>, timeoutSeconds: number): Promise<number> {
  const deadline = epochMs() + timeoutSeconds * 1000;
  for (;;) {
    const at = epochMs();
    if (!(await isBusy())) return at;
    if (at > deadline) throw new Error(`not drained within ${timeoutSeconds} s`);
    await sleep(POLL_MS);
  }
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

/** The same questions of AOL's schema whichever system filled it (AOL itself or the baseline). */
async function verifyAolSchema(
  query: (text: string) => Promise<Array<Record<string, unknown>>>,
  driver: Driver,
  jobs: number,
  proof: boolean,
  artifactDir: string,
): Promise<{ checks: DrainResult['checks']; verified: boolean }> {
  const one = async (text: string) => Number(Object.values((await query(text))[0])[0]);
  const distinct = driver === 'postgresql' ? 'is distinct from' : 'is not';
  const checks: DrainResult['checks'] = {
    actions: await one('select count(*) from aol_actions'),
    succeeded: await one(`select count(*) from aol_actions where status = 'SUCCESS'`),
    withoutExactlyOneSuccessLog: await one(
      `select count(*) from (select a.id from aol_actions a left join aol_execution_logs l on l.action_id = a.id and l.outcome = 'SUCCESS'
       group by a.id having count(l.id) <> 1) as x`,
    ),
    failedAttempts: await one(`select count(*) from aol_execution_logs where outcome <> 'SUCCESS'`),
    logShaDiffersFromAction: await one(
      `select count(*) from aol_execution_logs l join aol_actions a on a.id = l.action_id
       where l.outcome = 'SUCCESS' and (l.artifact_sha256 ${distinct} a.artifact_sha256 or l.artifact_ref ${distinct} a.artifact_ref)`,
    ),
  };
  const rows = await query('select artifact_ref, artifact_sha256 from aol_actions');
  const recorded = rows.filter((row) => row.artifact_ref !== null) as unknown as Array<{ artifact_ref: string; artifact_sha256: string }>;
  checks.withArtifact = recorded.length;
  if (proof) {
    checks.badArtifacts = await countBadArtifacts(
      artifactDir,
      recorded.map((row) => ({ artifactRef: row.artifact_ref, artifactSha256: row.artifact_sha256 })),
    );
  }
  const verified =
    checks.actions === jobs &&
    checks.succeeded === jobs &&
    checks.withoutExactlyOneSuccessLog === 0 &&
    checks.logShaDiffersFromAction === 0 &&
    (proof ? checks.withArtifact === jobs && checks.badArtifacts === 0 : checks.withArtifact === 0);
  return { checks, verified };
}

async function verifyPeerArtifacts(artifactDir: string, jobs: number, artifacts: WrittenArtifact[]): Promise<DrainResult['checks']> {
  return {
    artifacts: artifacts.length,
    distinctArtifacts: new Set(artifacts.map((artifact) => artifact.artifactRef)).size,
    badArtifacts: await countBadArtifacts(artifactDir, artifacts),
    expected: jobs,
  };
}

/** AOL: the built service (PROOF) or the in-process app with a no-op handler (W2). */
async function drainAol(ctx: BenchContext, driver: Driver, proof: boolean, jobs: number, scratch: string): Promise<DrainResult> {
  const { settings } = ctx;
  const artifactDir = join(scratch, 'artifacts');
  const database = driver === 'postgresql' ? await createDatabase(settings.postgresAdminUrl, proof ? 'drain_aol' : 'noop_aol') : null;
  const databaseUrl = database ? database.url : `sqlite:${join(scratch, 'aol.sqlite')}`;
  let observer: Pool | null = null;
  let sqlite: SqliteFile | null = null;
  let stopProcess: () => Promise<unknown> = async () => undefined;
  try {
    await migrateAol(databaseUrl);
    if (database) {
      observer = observerPool(database.url);
      await observer.query(PAUSE_SWITCHBOARD_POSTGRES);
    } else {
      sqlite = await SqliteFile.open(join(scratch, 'aol.sqlite'));
      await sqlite.run(PAUSE_SWITCHBOARD_SQLITE);
    }
    const query = async (text: string): Promise<Array<Record<string, unknown>>> =>
      observer ? (await observer.query(text)).rows : await (sqlite as SqliteFile).all(text);

    const env = aolEnv(settings, databaseUrl, artifactDir, 'lifted');
    let url: string;
    let subject: Subject | null = null;
    if (proof) {
      const server = await startAolServer(env);
      url = server.url;
      stopProcess = () => server.child.stop();
    } else {
      const port = await freePort();
      subject = Subject.start('aol', {
        ...env,
        PORT: String(port),
        BENCH_SUBJECT_MODE: 'drain-noop',
        BENCH_DATABASE_URL: databaseUrl,
        BENCH_ARTIFACT_DIR: artifactDir,
        BENCH_JOBS: String(jobs),
        BENCH_LATENCY_SAMPLES: '0',
        BENCH_LATENCY_WARMUP: '0',
      });
      const started = subject;
      stopProcess = () => started.stop();
      url = (await subject.next('ready', 60_000)).url as string;
      await waitForGraphql(url, subject.child);
    }

    const api = await probeAolApi(url);
    if (api.hasEnqueueActions) await enqueueBulk(url, 1, jobs);
    else if (observer) await observer.query(SEED_ACTIONS_POSTGRES, [jobs]);
    else await (sqlite as SqliteFile).run(SEED_ACTIONS_SQLITE, [jobs]);
    ctx.note(
      api.hasEnqueueActions
        ? 'AOL drains were seeded with the enqueueActions mutation (1,000 per call).'
        : 'AOL has no enqueueActions mutation yet: AOL drains were seeded by one bulk SQL INSERT into aol_actions (bench/seed.ts).',
    );

    const machineBusyBefore = await ctx.quiet();
    const goAt = epochMs();
    await resume(url);
    const endAt = await pollUntilDrained(async () => truthy((await query(AOL_BUSY))[0].busy), settings.drainTimeoutSeconds);
    let firstAt: number;
    if (subject) firstAt = (await subject.next('first', 1000)).at;
    else {
      // The built service is not instrumented: its own record of the first attempt's start
      // (aol_execution_logs.started_at, set just before the handler runs) marks it.
      const first = await query(
        driver === 'postgresql'
          ? 'select extract(epoch from min(started_at)) * 1000 as at from aol_execution_logs'
          : 'select min(started_at) as at from aol_execution_logs',
      );
      firstAt = Number(first[0].at);
    }
    const seconds = (endAt - firstAt) / 1000;
    const recording = await recordingTotals(url);
    await stopProcess();
    stopProcess = async () => undefined;
    const { checks, verified } = await verifyAolSchema((text) => query(text), driver, jobs, proof, artifactDir);
    checks.seededWith = api.hasEnqueueActions ? 'enqueueActions' : 'SQL INSERT';
    if (recording) {
      checks.recordings = recording.count;
      checks.recordingBusy = Number((recording.seconds / seconds).toFixed(3));
    }
    return { seconds, goToFirstMs: firstAt - goAt, checks, verified, machineBusyBefore };
  } finally {
    await stopProcess().catch(() => undefined);
    await observer?.end();
    await sqlite?.close();
    await database?.drop();
  }
}

/**
 * AOL's own account of its recordings (aol_recording_duration_seconds on /metrics): how many
 * and how long in all. They run one at a time, so their seconds over the drain's are the share
 * of it the recording was busy: near 1, recording set the pace. Null for a version without it.
 */
async function recordingTotals(graphqlUrl: string): Promise<{ count: number; seconds: number } | null> {
  const text = await (await fetch(new URL('/metrics', graphqlUrl))).text();
  const value = (series: string) => new RegExp(`^${series} (\\S+)$`, 'm').exec(text)?.[1];
  const count = value('aol_recording_duration_seconds_count');
  const seconds = value('aol_recording_duration_seconds_sum');
  return count === undefined || seconds === undefined ? null : { count: Number(count), seconds: Number(seconds) };
}

/** A peer or the baseline, in a subject process of its own. */
async function drainSubject(
  ctx: BenchContext,
  name: Exclude<SubjectName, 'aol'>,
  proof: boolean,
  jobs: number,
  scratch: string,
  variant: Record<string, string> = {},
): Promise<DrainResult> {
  const { settings } = ctx;
  const artifactDir = join(scratch, 'artifacts');
  const database = await createDatabase(settings.postgresAdminUrl, `${proof ? 'drain' : 'noop'}_${name}`);
  const observer = observerPool(database.url);
  let subject: Subject | null = null;
  try {
    if (name === 'baseline') {
      await migrateAol(database.url);
      await observer.query(SEED_ACTIONS_POSTGRES, [jobs]);
    }
    subject = Subject.start(name, {
      BENCH_SUBJECT_MODE: proof ? 'drain-proof' : 'drain-noop',
      BENCH_DATABASE_URL: database.url,
      BENCH_ARTIFACT_DIR: artifactDir,
      BENCH_JOBS: String(jobs),
      BENCH_LATENCY_SAMPLES: '0',
      BENCH_LATENCY_WARMUP: '0',
      ...subjectTuning(settings),
      ...variant,
    });
    await subject.next('ready', 120_000);
    const busy =
      name === 'graphile'
        ? 'select exists (select 1 from graphile_worker._private_jobs) as busy'
        : name === 'pgboss'
          ? `select exists (select 1 from pgboss.job where name = 'post-social' and state < 'completed') as busy`
          : AOL_BUSY;
    const machineBusyBefore = await ctx.quiet();
    const goAt = epochMs();
    subject.send({ type: 'go' });
    const endAt = await pollUntilDrained(
      async () => (await observer.query<{ busy: boolean }>(busy)).rows[0].busy,
      settings.drainTimeoutSeconds,
    );
    const firstAt = (await subject.next('first', 1000)).at;
    const stopped = await subject.stop();
    subject = null;

    let checks: DrainResult['checks'];
    let verified: boolean;
    if (name === 'baseline') {
      ({ checks, verified } = await verifyAolSchema(
        async (text) => (await observer.query(text)).rows,
        'postgresql',
        jobs,
        proof,
        artifactDir,
      ));
    } else {
      checks = proof ? await verifyPeerArtifacts(artifactDir, jobs, stopped.artifacts) : {};
      checks.handled = stopped.handled;
      if (name === 'graphile') {
        checks.jobsLeft = Number((await observer.query('select count(*) as c from graphile_worker._private_jobs')).rows[0].c);
        verified = checks.jobsLeft === 0 && stopped.handled === jobs;
      } else {
        checks.completed = Number(
          (await observer.query(`select count(*) as c from pgboss.job where name = 'post-social' and state = 'completed'`)).rows[0].c,
        );
        verified = checks.completed === jobs && stopped.handled === jobs;
      }
      if (proof) verified = verified && checks.artifacts === jobs && checks.distinctArtifacts === jobs && checks.badArtifacts === 0;
    }
    return { seconds: (endAt - firstAt) / 1000, goToFirstMs: firstAt - goAt, checks, verified, machineBusyBefore };
  } finally {
    if (subject) await subject.child.stop(2000);
    await observer.end();
    await database.drop();
  }
}

/** graphile-worker whose handler fsyncs the artifact but not its directory (bench/proof-artifact.ts, writeProofFileOnly). */
export const GRAPHILE_FILE_FSYNC_ONLY = 'graphile-worker (file fsync only)';

/**
 * W1's reference row: the handler's file work alone (no queue, no database), 16 at a time,
 * to show how much of every system's W1 figure is the artifact I/O (fsync) of this machine.
 */
async function filesOnly(ctx: BenchContext, jobs: number, scratch: string): Promise<DrainResult> {
  const artifactDir = join(scratch, 'artifacts');
  const work = benchJobs(jobs);
  const written: WrittenArtifact[] = [];
  const machineBusyBefore = await ctx.quiet();
  const began = epochMs();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let index = next++; index < work.length; index = next++) written.push(await writeProofArtifact(artifactDir, work[index]));
    }),
  );
  const seconds = (epochMs() - began) / 1000;
  const checks = await verifyPeerArtifacts(artifactDir, jobs, written);
  return { seconds, goToFirstMs: 0, checks, verified: checks.badArtifacts === 0 && checks.distinctArtifacts === jobs, machineBusyBefore };
}

const DRAIN_SYSTEMS: Array<{
  system: string;
  /** Run in W1 only: it differs from another row by its handler's file work alone. */
  proofOnly?: true;
  run: (ctx: BenchContext, proof: boolean, jobs: number, scratch: string) => Promise<DrainResult>;
}> = [
  { system: 'AOL', run: (ctx, proof, jobs, scratch) => drainAol(ctx, 'postgresql', proof, jobs, scratch) },
  { system: 'graphile-worker', run: (ctx, proof, jobs, scratch) => drainSubject(ctx, 'graphile', proof, jobs, scratch) },
  {
    system: GRAPHILE_FILE_FSYNC_ONLY,
    proofOnly: true,
    run: (ctx, proof, jobs, scratch) => drainSubject(ctx, 'graphile', proof, jobs, scratch, { BENCH_ARTIFACT_SYNC: 'file' }),
  },
  { system: 'pg-boss', run: (ctx, proof, jobs, scratch) => drainSubject(ctx, 'pgboss', proof, jobs, scratch) },
  { system: 'baseline', run: (ctx, proof, jobs, scratch) => drainSubject(ctx, 'baseline', proof, jobs, scratch) },
];

const FILES_ONLY = 'files only (no queue)';

async function measureDrain(
  ctx: BenchContext,
  workload: WorkloadId,
  repetition: number,
  system: string,
  jobs: number,
  run: (scratch: string) => Promise<DrainResult>,
): Promise<Measurement> {
  const scratch = join(ctx.settings.scratchDir, `${workload.toLowerCase()}-${repetition}-${system.replace(/[^a-z0-9]/gi, '')}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const base = {
    workload,
    metric: 'drain',
    unit: 'actions/s',
    better: 'higher' as const,
    system,
    isAol: system.startsWith('AOL'),
    repetition,
  };
  try {
    const result = await run(scratch);
    const perSecond = jobs / result.seconds;
    ctx.log(
      `${workload} rep ${repetition + 1} ${system}: ${perSecond.toFixed(0)} actions/s (${result.seconds.toFixed(2)} s, go→first ${result.goToFirstMs.toFixed(0)} ms)` +
        `${result.verified ? '' : ' VERIFICATION FAILED'} ${JSON.stringify(result.checks)}`,
    );
    const details = {
      jobs,
      seconds: result.seconds,
      goToFirstMs: result.goToFirstMs,
      machineBusyBefore: result.machineBusyBefore,
      checks: result.checks,
      verified: result.verified,
    };
    return result.verified ? { ...base, value: perSecond, details } : { ...base, value: null, note: 'verification failed', details };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.log(`${workload} rep ${repetition + 1} ${system}: FAILED ${message}`);
    return { ...base, value: null, note: `failed: ${message.split('\n')[0].slice(0, 200)}` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** W1 (proof = true) or W2 (proof = false): AOL, graphile-worker, pg-boss and the baseline. */
export async function drainWorkload(ctx: BenchContext, workload: 'W1' | 'W2', repetition: number): Promise<Measurement[]> {
  const proof = workload === 'W1';
  const jobs = ctx.settings.jobs;
  const results: Measurement[] = [];
  for (const { system, proofOnly, run } of rotated(DRAIN_SYSTEMS, repetition)) {
    if ((ctx.settings.systems && !ctx.settings.systems.has(system)) || (proofOnly && !proof)) continue;
    results.push(await measureDrain(ctx, workload, repetition, system, jobs, (scratch) => run(ctx, proof, jobs, scratch)));
  }
  if (proof && (!ctx.settings.systems || ctx.settings.systems.has(FILES_ONLY))) {
    results.push(await measureDrain(ctx, workload, repetition, FILES_ONLY, jobs, (scratch) => filesOnly(ctx, jobs, scratch)));
  }
  return results;
}

/** W7: W1 on SQLite, AOL only (the embedded default). */
export async function sqliteDrainWorkload(ctx: BenchContext, repetition: number): Promise<Measurement[]> {
  const jobs = ctx.settings.sqliteJobs;
  return [await measureDrain(ctx, 'W7', repetition, 'AOL (SQLite)', jobs, (scratch) => drainAol(ctx, 'sqlite', true, jobs, scratch))];
}
