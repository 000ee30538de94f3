import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './aol-process';
import { PostgresFacts, postgresFacts } from './postgres';

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  scratchFilesystem: string;
  postgres: PostgresFacts;
  versions: { aolCommit: string; aolTreeDirty: boolean; graphileWorker: string; pgBoss: string };
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The mount holding `path` (longest matching mount point), from /proc/mounts. */
function filesystemOf(path: string): string {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields.length > 2 && path.startsWith(fields[1]))
      .sort((a, b) => b[1].length - a[1].length);
    return mounts.length > 0 ? `${mounts[0][2]} (${mounts[0][0]} on ${mounts[0][1]})` : 'unknown';
  } catch {
    return 'unknown';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function machineFacts(adminUrl: string, scratchDir: string): Promise<MachineFacts> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    scratchFilesystem: filesystemOf(scratchDir),
    postgres: await postgresFacts(adminUrl),
    versions: {
      aolCommit: git(['rev-parse', 'HEAD']),
      aolTreeDirty: git(['status', '--porcelain', '--', 'src']) !== '',
      graphileWorker: packageVersion('graphile-worker'),
      pgBoss: packageVersion('pg-boss'),
    },
  };
}

async function cpuTotals(): Promise<{ busy: number; total: number }> {
  const { readFile } = await import('node:fs/promises');
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

/** Fraction of the machine's CPU time (all cores) spent busy over `ms`. */
export async function machineBusy(ms: number): Promise<number> {
  const before = await cpuTotals();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await cpuTotals();
  return after.total === before.total ? 0 : (after.busy - before.busy) / (after.total - before.total);
}

/**
 * The machine is shared (other sessions run test suites on it): before each measurement,
 * wait until it has been mostly idle for a second (under `threshold` busy), for at most
 * `maxWaitMs`. Returns the last busy fraction seen, which is kept with the measurement.
 */
export async function awaitQuietMachine(log: (line: string) => void, threshold = 0.15, maxWaitMs = 60_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let busy = await machineBusy(1000);
  let warned = false;
  while (busy > threshold && Date.now() < deadline) {
    if (!warned)
      log(`machine ${(busy * 100).toFixed(0)} % busy with other work: waiting for it to quiet down (at most ${maxWaitMs / 1000} s)`);
    warned = true;
    busy = await machineBusy(1000);
  }
  if (busy > threshold) log(`machine still ${(busy * 100).toFixed(0)} % busy: measuring anyway (recorded with the figure)`);
  return busy;
}
