import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { aolEnv, migrateAol, startAolServer, TickProfile } from '../aol-process';
import { sleep } from '../clock';
import { BenchContext, Measurement } from '../measurement';
import { createDatabase, readLogFrom, sql } from '../postgres';

/**
 * W5: the cost of an idle AOL server (`node dist/src/main.js`, nothing queued), in two
 * configurations: the spec's defaults (a tick every 5 s) and the caps lifted as in W1
 * (a tick every BENCH_AOL_TICK_INTERVAL_MS).
 * - Statements per idle tick: the database is set to `log_statement = 'all'` and the
 *   statements the service sends during the window are counted in PostgreSQL's log (lines
 *   "LOG:  statement:" / "LOG:  execute …:" of this database, the observer's own backend
 *   excluded), divided by the ticks run in the window (rows of aol_tick_ledger started in it;
 *   if AOL stops writing a row per idle tick, the bursts of statements are counted instead).
 *   Where the log cannot be read, pg_stat_database.xact_commit deltas stand in (approximate:
 *   PostgreSQL flushes those counters at most once a second, and idle backends later).
 * - CPU: utime + stime of the process over the window (/proc/PID/stat), % of one core.
 * - RSS: VmRSS at the end of the window (/proc/PID/status).
 */
interface IdleProfile {
  label: string;
  profile: TickProfile;
  intervalMs: (ctx: BenchContext) => number;
}

const PROFILES: IdleProfile[] = [
  { label: 'default config', profile: 'default', intervalMs: () => 5000 },
  { label: 'caps lifted', profile: 'lifted', intervalMs: (ctx) => ctx.settings.aolTickIntervalMs },
];

const CLOCK_TICKS_PER_SECOND = 100;

async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function rssMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function logReadable(path: string): Promise<boolean> {
  try {
    await stat(path);
    await readLogFrom(path, Math.max(0, (await stat(path)).size - 10));
    return true;
  } catch {
    return false;
  }
}

interface LoggedStatement {
  atMs: number;
  text: string;
}

/** This database's statements in a slice of the server log, except those of `excludedPid`. */
function statementsIn(log: string, database: string, excludedPid: number): LoggedStatement[] {
  const line = new RegExp(
    `^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) \\S+ \\[(\\d+)\\] \\S*@${database} LOG:  (?:statement|execute [^:]*): (.*)$`,
  );
  const found: LoggedStatement[] = [];
  for (const text of log.split('\n')) {
    const match = line.exec(text);
    if (!match || Number(match[2]) === excludedPid) continue;
    found.push({ atMs: Date.parse(`${match[1].replace(' ', 'T')}Z`), text: match[3].slice(0, 160) });
  }
  return found;
}

/** Groups statements into ticks: a gap of more than half an interval starts a new tick. */
function bursts(statements: readonly LoggedStatement[], intervalMs: number): number {
  let count = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const statement of statements) {
    if (statement.atMs - last > intervalMs / 2) count += 1;
    last = statement.atMs;
  }
  return count;
}

async function observe(ctx: BenchContext, idle: IdleProfile, repetition: number): Promise<Measurement[]> {
  const { settings } = ctx;
  const intervalMs = idle.intervalMs(ctx);
  const database = await createDatabase(settings.postgresAdminUrl, `idle_${idle.profile}`);
  const base = { workload: 'W5' as const, better: 'lower' as const, system: 'AOL', isAol: true, repetition };
  const observer = new Client({ connectionString: database.url });
  observer.on('error', () => undefined); // terminated when the database is dropped
  try {
    await migrateAol(database.url);
    const useLog = await logReadable(settings.postgresLogFile);
    // Only new sessions see the setting: the service connects after it; the name is ours.
    if (useLog) await sql(settings.postgresAdminUrl, `alter database ${database.name} set log_statement = 'all'`);
    const server = await startAolServer(aolEnv(settings, database.url, join(settings.scratchDir, `idle-${repetition}`), idle.profile));
    try {
      await observer.connect();
      const observerPid = Number((await observer.query('select pg_backend_pid() as pid')).rows[0].pid);
      const lastTickId = async () => Number((await observer.query('select coalesce(max(id), 0) as id from aol_tick_ledger')).rows[0].id);
      // Start the window just after a tick, and make it a whole number of intervals long.
      const settle = Math.max(2000, intervalMs + 500);
      await sleep(settle);
      const before = await lastTickId();
      for (let waited = 0; (await lastTickId()) === before && waited < intervalMs * 3; waited += 5) await sleep(5);
      await sleep(Math.min(100, intervalMs / 2));
      const windowMs = Math.max(1, Math.round((settings.idleSeconds * 1000) / intervalMs)) * intervalMs;
      const machineBusyBefore = await ctx.quiet();

      const xact = async () =>
        Number(
          (
            await sql<{ n: string }>(
              settings.postgresAdminUrl,
              'select xact_commit + xact_rollback as n from pg_stat_database where datname = $1',
              [database.name],
            )
          )[0].n,
        );
      const logOffset = useLog ? (await stat(settings.postgresLogFile)).size : 0;
      const xactBefore = await xact();
      const cpuBefore = await cpuSeconds(server.child.pid);
      const firstId = await lastTickId();
      const windowStart = Date.now();
      await sleep(windowMs);
      const cpuAfter = await cpuSeconds(server.child.pid);
      const rss = await rssMegabytes(server.child.pid);
      const lastId = await lastTickId();
      const elapsedMs = Date.now() - windowStart;
      const ledgerTicks = lastId - firstId;

      let statementsPerTick: number;
      let details: Record<string, unknown>;
      if (useLog) {
        await sleep(200); // the log is written by the server's logger: let it catch up
        const statements = statementsIn(await readLogFrom(settings.postgresLogFile, logOffset), database.name, observerPid).filter(
          (statement) => statement.atMs <= windowStart + elapsedMs,
        );
        const burstTicks = bursts(statements, intervalMs);
        const ticks = ledgerTicks > 0 ? ledgerTicks : burstTicks;
        statementsPerTick = statements.length / ticks;
        details = {
          method: 'log_statement=all, PostgreSQL log',
          machineBusyBefore,
          windowMs: elapsedMs,
          statements: statements.length,
          ledgerTicks,
          burstTicks,
          ticksUsed: ledgerTicks > 0 ? 'aol_tick_ledger rows' : 'bursts in the log',
          firstTick: statements.slice(0, 8).map((statement) => statement.text),
        };
      } else {
        // Give idle backends time to flush their counters before reading the delta.
        await sleep(11_000);
        const transactions = (await xact()) - xactBefore;
        statementsPerTick = transactions / Math.max(1, ledgerTicks);
        details = {
          method: 'pg_stat_database.xact_commit delta (approximate)',
          machineBusyBefore,
          windowMs: elapsedMs,
          transactions,
          ledgerTicks,
        };
        ctx.note('W5: the PostgreSQL log was not readable; statements per tick are estimated from xact_commit deltas.');
      }
      const cpuPercent = ((cpuAfter - cpuBefore) / (elapsedMs / 1000)) * 100;
      ctx.log(
        `W5 rep ${repetition + 1} ${idle.label}: ${statementsPerTick.toFixed(2)} statements/tick, CPU ${cpuPercent.toFixed(2)} %, RSS ${rss.toFixed(1)} MB ${JSON.stringify(details)}`,
      );
      return [
        { ...base, metric: `statements per idle tick (${idle.label})`, unit: 'statements', value: statementsPerTick, details },
        { ...base, metric: `idle CPU (${idle.label})`, unit: '% of a core', value: cpuPercent },
        { ...base, metric: `idle RSS (${idle.label})`, unit: 'MB', value: rss },
      ];
    } finally {
      await server.child.stop();
    }
  } finally {
    await observer.end().catch(() => undefined);
    await database.drop();
  }
}

export async function idleWorkload(ctx: BenchContext, repetition: number): Promise<Measurement[]> {
  const results: Measurement[] = [];
  for (const idle of PROFILES) {
    try {
      results.push(...(await observe(ctx, idle, repetition)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log(`W5 rep ${repetition + 1} ${idle.label}: FAILED ${message}`);
      results.push({
        workload: 'W5',
        metric: `statements per idle tick (${idle.label})`,
        unit: 'statements',
        better: 'lower',
        system: 'AOL',
        isAol: true,
        repetition,
        value: null,
        note: `failed: ${message.split('\n')[0].slice(0, 200)}`,
      });
    }
  }
  return results;
}
