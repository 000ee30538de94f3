import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './aol-process';
import { killStartedChildren } from './child-process';
import { awaitQuietMachine, machineFacts } from './machine';
import { BenchContext, Measurement } from './measurement';
import { judgeTargets, renderTable, renderTargets, tabulate } from './report';
import { readSettings, WorkloadId } from './settings';
import { drainWorkload, sqliteDrainWorkload } from './workloads/drain';
import { enqueueWorkload } from './workloads/enqueue';
import { idleWorkload } from './workloads/idle';
import { latencyWorkload } from './workloads/latency';
import { statusAtScaleWorkload } from './workloads/status-at-scale';

/**
 * `npm run bench`: every selected workload, BENCH_REPEATS times, fresh databases each time;
 * prints the table of medians and the targets of the performance issue, and writes
 * bench/results/<timestamp>.json and bench/results/latest.json.
 */
const WORKLOADS: Record<WorkloadId, (ctx: BenchContext, repetition: number) => Promise<Measurement[]>> = {
  W1: (ctx, repetition) => drainWorkload(ctx, 'W1', repetition),
  W2: (ctx, repetition) => drainWorkload(ctx, 'W2', repetition),
  W3: enqueueWorkload,
  W4: latencyWorkload,
  W5: idleWorkload,
  W6: statusAtScaleWorkload,
  W7: sqliteDrainWorkload,
};

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const startedAt = new Date();
  const notes = new Set<string>();
  const ctx: BenchContext = {
    settings,
    log: (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
    note: (text) => notes.add(text),
    quiet: () => awaitQuietMachine(ctx.log, 0.15, settings.quietWaitSeconds * 1000),
  };
  await mkdir(settings.scratchDir, { recursive: true });
  const machine = await machineFacts(settings.postgresAdminUrl, settings.scratchDir);
  ctx.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.postgres.version.split(',')[0]}, AOL ${machine.versions.aolCommit.slice(0, 10)}`,
  );

  const measurements: Measurement[] = [];
  const directory = join(REPO_ROOT, 'bench', 'results');
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  // Written after every workload (complete: false until the end), so an interrupted run
  // keeps what it measured.
  const save = async (complete: boolean) => {
    const table = tabulate(measurements);
    const finishedAt = new Date();
    const results = {
      format: 'aol-bench/1',
      complete,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
      settings: { ...settings, only: [...settings.only], systems: settings.systems ? [...settings.systems] : null },
      machine,
      table,
      targets: judgeTargets(table, measurements).filter((target) => settings.only.has(target.workload)),
      notes: [...notes],
      measurements,
    };
    await mkdir(directory, { recursive: true });
    const body = `${JSON.stringify(results, null, 2)}\n`;
    await writeFile(join(directory, `${stamp}.json`), body);
    // latest.json is replaced whole: written beside it, then renamed over it.
    await writeFile(join(directory, 'latest.tmp.json'), body);
    await rename(join(directory, 'latest.tmp.json'), join(directory, 'latest.json'));
    return results;
  };

  for (const workload of Object.keys(WORKLOADS) as WorkloadId[]) {
    if (!settings.only.has(workload)) continue;
    const began = Date.now();
    for (let repetition = 0; repetition < settings.repeats; repetition += 1) {
      measurements.push(...(await WORKLOADS[workload](ctx, repetition)));
    }
    ctx.log(`${workload} done in ${((Date.now() - began) / 1000).toFixed(0)} s`);
    await save(false);
  }

  const results = await save(true);
  process.stdout.write(
    `\n${renderTable(results.table, settings.repeats)}\n\nTargets of the performance issues (same-run medians):\n${renderTargets(results.targets)}\n`,
  );
  if (notes.size > 0) process.stdout.write(`\nNotes:\n${[...notes].map((note) => `- ${note}`).join('\n')}\n`);
  process.stdout.write(`\nResults: bench/results/${stamp}.json (and bench/results/latest.json), ${results.durationSeconds} s in all\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killStartedChildren();
    process.exit(130);
  });
}

main().catch((error: unknown) => {
  killStartedChildren();
  console.error(error);
  process.exit(1);
});
