import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { aolEnv, migrateAol } from '../aol-process';
import { freePort } from '../child-process';
import { BenchContext, Measurement, rotated } from '../measurement';
import { createDatabase } from '../postgres';
import { quantile } from '../statistics';
import { Subject, SubjectName } from '../subject-protocol';
import { subjectTuning } from './drain';

/**
 * W4: enqueue → start of execution, 200 sequential actions on an otherwise idle system, each
 * measured inside one process (the enqueuer and the handler read the same clock):
 * - AOL: the real app in-process with its caps lifted (tick every BENCH_AOL_TICK_INTERVAL_MS),
 *   enqueueAction to itself, start = the POST_SOCIAL handler being called; once over HTTP
 *   (the target's figure) and once over a graphql-ws connection (the transport operators
 *   already hold open for subscriptions), which skips the HTTP request path;
 * - graphile-worker: its defaults (LISTEN/NOTIFY wake-up), addJob, start = task called;
 * - pg-boss 10: send then notifyWorker (it has no NOTIFY), start = handler called;
 * - baseline: one INSERT … pg_notify, a LISTEN connection that claims on notification.
 */
const SYSTEMS: Array<{ system: string; subject: SubjectName; transport?: 'ws' }> = [
  { system: 'AOL', subject: 'aol' },
  { system: 'AOL (graphql-ws)', subject: 'aol', transport: 'ws' },
  { system: 'graphile-worker', subject: 'graphile' },
  { system: 'pg-boss', subject: 'pgboss' },
  { system: 'baseline (INSERT + NOTIFY)', subject: 'baseline' },
];

async function sampleSystem(
  ctx: BenchContext,
  subjectName: SubjectName,
  transport: 'ws' | undefined,
  scratch: string,
): Promise<{ samples: number[]; busy: number }> {
  const { settings } = ctx;
  const database = await createDatabase(settings.postgresAdminUrl, `latency_${subjectName}`);
  const artifactDir = join(scratch, 'artifacts');
  let subject: Subject | null = null;
  try {
    if (subjectName === 'aol' || subjectName === 'baseline') await migrateAol(database.url);
    const aol =
      subjectName === 'aol'
        ? {
            ...aolEnv(settings, database.url, artifactDir, 'lifted'),
            PORT: String(await freePort()),
            BENCH_AOL_TRANSPORT: transport ?? 'http',
          }
        : {};
    // The subject samples as soon as it is up: wait for a quiet machine before starting it.
    const busy = await ctx.quiet();
    subject = Subject.start(subjectName, {
      ...aol,
      BENCH_SUBJECT_MODE: 'latency',
      BENCH_DATABASE_URL: database.url,
      BENCH_ARTIFACT_DIR: artifactDir,
      BENCH_JOBS: '0',
      BENCH_LATENCY_SAMPLES: String(settings.latencySamples),
      BENCH_LATENCY_WARMUP: String(settings.latencyWarmup),
      ...subjectTuning(settings),
    });
    await subject.next('ready', 60_000);
    const { samplesMs } = await subject.next('latency', 120_000 + (settings.latencySamples + settings.latencyWarmup) * 1000);
    await subject.stop();
    subject = null;
    return { samples: samplesMs, busy };
  } finally {
    if (subject) await subject.child.stop(2000);
    await database.drop();
  }
}

export async function latencyWorkload(ctx: BenchContext, repetition: number): Promise<Measurement[]> {
  const results: Measurement[] = [];
  for (const { system, subject, transport } of rotated(SYSTEMS, repetition)) {
    if (ctx.settings.systems && !ctx.settings.systems.has(system)) continue;
    const scratch = join(ctx.settings.scratchDir, `w4-${repetition}-${subject}${transport ? `-${transport}` : ''}`);
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    // The graphql-ws row is compared with AOL over HTTP (the target's figure), as a peer is.
    const isAol = subject === 'aol' && transport === undefined;
    const base = { workload: 'W4' as const, unit: 'ms', better: 'lower' as const, system, isAol, repetition };
    try {
      const { samples, busy } = await sampleSystem(ctx, subject, transport, scratch);
      const details = {
        machineBusyBefore: busy,
        samples: samples.length,
        meanMs: samples.reduce((sum, value) => sum + value, 0) / samples.length,
        minMs: Math.min(...samples),
        maxMs: Math.max(...samples),
        p90Ms: quantile(samples, 0.9),
      };
      const p50 = quantile(samples, 0.5);
      const p99 = quantile(samples, 0.99);
      ctx.log(`W4 rep ${repetition + 1} ${system}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${details.maxMs.toFixed(2)} ms`);
      results.push({ ...base, metric: 'enqueue→start p50', value: p50, details }, { ...base, metric: 'enqueue→start p99', value: p99 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log(`W4 rep ${repetition + 1} ${system}: FAILED ${message}`);
      const note = `failed: ${message.split('\n')[0].slice(0, 200)}`;
      results.push(
        { ...base, metric: 'enqueue→start p50', value: null, note },
        { ...base, metric: 'enqueue→start p99', value: null, note },
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return results;
}
