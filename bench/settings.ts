/**
 * What one `npm run bench` does, read once from the environment. Defaults keep the whole run
 * well under 30 minutes on the 2-core reference machine; every number can be raised.
 */
export const WORKLOAD_IDS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7'] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export interface BenchSettings {
  /** Repetitions of each workload; every repetition uses fresh databases. */
  repeats: number;
  /** Actions (jobs) drained in W1, W2 and W7, and bulk-enqueued in W3. */
  jobs: number;
  /** W7 drains this many on SQLite (BENCH_SQLITE_JOBS, default BENCH_JOBS). */
  sqliteJobs: number;
  /** W3: actions enqueued one by one (8 concurrent clients). */
  singleJobs: number;
  singleClients: number;
  /**
   * W3: actions each way of enqueueing adds untimed before its timed run. AOL starts a fresh
   * process per repetition while the peers run in the harness's own, so without it AOL's
   * figure would include compiling its request path and the peers' (after the first
   * repetition) would not.
   */
  enqueueWarmup: number;
  /** W4: sequential enqueue → start samples, after latencyWarmup unrecorded jobs. */
  latencySamples: number;
  latencyWarmup: number;
  /** W5: length of each idle observation window, seconds. */
  idleSeconds: number;
  /** W6: rows in aol_actions and HTTP samples per query. */
  statusRows: number;
  statusSamples: number;
  only: ReadonlySet<WorkloadId>;
  /** Administrative connection: databases aol_bench_* are created and dropped through it. */
  postgresAdminUrl: string;
  /** Where artifacts and SQLite files go: a real disk, since fsync cost is part of the work. */
  scratchDir: string;
  /** AOL with its caps lifted (W1, W2, W4, W7). */
  aolMaxActionsPerTick: number;
  aolTickConcurrency: number;
  aolTickIntervalMs: number;
  /** AOL_EVENT_BUS of every AOL process: `memory` (its default) or `postgres` (several instances). */
  aolEventBus: 'memory' | 'postgres';
  /** Baseline loop: batch size and loops side by side; pg-boss: work() workers. */
  baselineBatch: number;
  baselineLoops: number;
  pgbossWorkers: number;
  /** Restricts W1/W2/W4 to some systems (names as in the table), for tuning; empty: all. */
  systems: ReadonlySet<string> | null;
  /** Drains that have not finished after this long are recorded as failed. */
  drainTimeoutSeconds: number;
  /** PostgreSQL's server log, read to count statements (W5); empty: use the xact counter only. */
  postgresLogFile: string;
  /** The longest wait for a quiet machine before each timed section. */
  quietWaitSeconds: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) throw new Error(`${name} must be an integer >= ${min} (got "${raw}")`);
  return Number(raw);
}

function workloads(raw: string | undefined): ReadonlySet<WorkloadId> {
  if (raw === undefined || raw.trim() === '') return new Set(WORKLOAD_IDS);
  const picked = raw.split(',').map((id) => id.trim().toUpperCase());
  const unknown = picked.filter((id) => !(WORKLOAD_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names unknown workloads: ${unknown.join(', ')} (known: ${WORKLOAD_IDS.join(', ')})`);
  return new Set(picked as WorkloadId[]);
}

function eventBus(raw: string | undefined): BenchSettings['aolEventBus'] {
  if (raw === undefined || raw === '' || raw === 'memory') return 'memory';
  if (raw === 'postgres') return raw;
  throw new Error(`BENCH_AOL_EVENT_BUS must be memory or postgres (got "${raw}")`);
}

export function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const jobs = integer(env, 'BENCH_JOBS', 20_000, 1);
  return {
    repeats: integer(env, 'BENCH_REPEATS', 3, 1),
    jobs,
    sqliteJobs: integer(env, 'BENCH_SQLITE_JOBS', jobs, 1),
    singleJobs: integer(env, 'BENCH_SINGLE_JOBS', 2_000, 1),
    singleClients: integer(env, 'BENCH_SINGLE_CLIENTS', 8, 1),
    enqueueWarmup: integer(env, 'BENCH_ENQUEUE_WARMUP', 5_000, 0),
    latencySamples: integer(env, 'BENCH_LATENCY_SAMPLES', 200, 1),
    latencyWarmup: integer(env, 'BENCH_LATENCY_WARMUP', 500, 0),
    idleSeconds: integer(env, 'BENCH_IDLE_SECONDS', 30, 1),
    statusRows: integer(env, 'BENCH_STATUS_ROWS', 1_000_000, 1),
    statusSamples: integer(env, 'BENCH_STATUS_SAMPLES', 30, 1),
    only: workloads(env.BENCH_ONLY),
    postgresAdminUrl: env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    scratchDir: env.BENCH_SCRATCH_DIR ?? '/var/tmp/aol-bench',
    aolMaxActionsPerTick: integer(env, 'BENCH_AOL_MAX_ACTIONS_PER_TICK', 1000, 1),
    aolTickConcurrency: integer(env, 'BENCH_AOL_TICK_CONCURRENCY', 64, 1),
    aolTickIntervalMs: integer(env, 'BENCH_AOL_TICK_INTERVAL_MS', 1000, 10),
    aolEventBus: eventBus(env.BENCH_AOL_EVENT_BUS),
    baselineBatch: integer(env, 'BENCH_BASELINE_BATCH', 100, 1),
    baselineLoops: integer(env, 'BENCH_BASELINE_LOOPS', 4, 1),
    pgbossWorkers: integer(env, 'BENCH_PGBOSS_WORKERS', 4, 1),
    systems: env.BENCH_SYSTEMS ? new Set(env.BENCH_SYSTEMS.split(',').map((name) => name.trim())) : null,
    drainTimeoutSeconds: integer(env, 'BENCH_DRAIN_TIMEOUT_SECONDS', 300, 1),
    postgresLogFile: env.BENCH_POSTGRES_LOG ?? '/var/log/postgresql/postgresql-15-main.log',
    quietWaitSeconds: integer(env, 'BENCH_QUIET_WAIT_SECONDS', 60, 0),
  };
}
