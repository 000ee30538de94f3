import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { AolInstance, BUILT_CLI, Exit, sleep } from './instance';
import { LeaseSampler } from './lease-sampler';
import type { PrivateCluster } from './private-postgres';
import { Rng, scenarioRng } from './rng';
import { snapshotTables } from './snapshot';

const run = promisify(execFile);

const templates = new WeakMap<PrivateCluster, Promise<string>>();

/** A database migrated by the built CLI, once per cluster, that scenarios copy. */
function migratedTemplate(cluster: PrivateCluster): Promise<string> {
  let template = templates.get(cluster);
  if (!template) {
    template = (async () => {
      const name = 'aol_migrated_template';
      await cluster.createDatabase(name);
      await run(process.execPath, [BUILT_CLI, 'migrate'], {
        cwd: tmpdir(),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'test',
          DATABASE_URL: cluster.url(name),
          AOL_ARTIFACT_DIR: join(tmpdir(), 'aol-fault-template-artifacts'),
        },
        timeout: 60_000,
      });
      return name;
    })();
    templates.set(cluster, template);
  }
  return template;
}

/** The harness's own sessions carry this name, so terminating "the service's sessions" spares them. */
export const HARNESS_APPLICATION = 'aol-fault-harness';

/**
 * Timings short enough for a fast suite and still legal for the service's start-up check
 * (TTL ≥ max tick + action timeout + 2 s of margin).
 */
export interface Timing {
  tickIntervalMs: number;
  maxActionsPerTick: number;
  maxTickSeconds: number;
  actionTimeoutSeconds: number;
  leaseTtlSeconds: number;
  maxRetries: number;
}

export const FAST: Timing = {
  tickIntervalMs: 100,
  maxActionsPerTick: 3,
  maxTickSeconds: 1,
  actionTimeoutSeconds: 1,
  leaseTtlSeconds: 4,
  maxRetries: 3,
};

/** Seconds a SIGTERM may take (the service's bound: the action timeout plus 5 s of grace). */
export function shutdownBoundMs(timing: Timing): number {
  return (timing.actionTimeoutSeconds + 5) * 1000;
}

export interface Violation {
  invariant: string;
  detail: string;
  rows?: unknown[];
}

/**
 * One scenario: a fresh database on the private cluster, a scratch directory (artifacts,
 * process logs), the service processes it starts, a lease sampler, and the list of
 * violations found. `close()` stops what is left with SIGTERM (itself checked) and keeps the
 * scratch directory when anything failed.
 */
export class Scenario {
  readonly instances: AolInstance[] = [];
  readonly violations: Violation[] = [];
  readonly sampler: LeaseSampler;
  readonly t0 = Date.now();
  readonly notes: string[] = [];
  private closed = false;
  private stalled = false;

  private constructor(
    readonly name: string,
    readonly cluster: PrivateCluster,
    readonly database: string,
    readonly databaseUrl: string,
    readonly dir: string,
    readonly pool: Pool,
    readonly timing: Timing,
    readonly rng: Rng,
    private readonly baseEnv: Record<string, string>,
  ) {
    this.sampler = new LeaseSampler(this);
  }

  static async open(
    cluster: PrivateCluster,
    name: string,
    timing: Timing = FAST,
    env: Record<string, string> = {},
    migrate = true,
  ): Promise<Scenario> {
    const rng = scenarioRng(name);
    const database = `f_${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${rng.int(0, 1e6)}`;
    // A copy of the cluster's migrated template (made once by the CLI's `migrate`), or empty.
    const databaseUrl = await cluster.createDatabase(database, migrate ? await migratedTemplate(cluster) : undefined);
    const dir = await mkdtemp(join(tmpdir(), `aol-fault-${name.replace(/[^a-z0-9]+/gi, '-')}-`));
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    const pool = new Pool({ connectionString: databaseUrl, max: 3, application_name: HARNESS_APPLICATION, connectionTimeoutMillis: 2000 });
    pool.on('error', () => undefined); // a restart of the cluster ends idle clients: they are replaced on demand
    const baseEnv: Record<string, string> = {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      AOL_ARTIFACT_DIR: join(dir, 'artifacts'),
      AOL_LOG_LEVEL: 'log',
      AOL_TICK_INTERVAL_MS: String(timing.tickIntervalMs),
      AOL_MAX_ACTIONS_PER_TICK: String(timing.maxActionsPerTick),
      AOL_MAX_TICK_SECONDS: String(timing.maxTickSeconds),
      AOL_ACTION_TIMEOUT_SECONDS: String(timing.actionTimeoutSeconds),
      AOL_LEASE_TTL_SECONDS: String(timing.leaseTtlSeconds),
      AOL_MAX_RETRIES: String(timing.maxRetries),
      AOL_RETRY_BASE_SECONDS: '1',
      AOL_RETRY_MAX_SECONDS: '2',
      AOL_EVENT_BUS: 'postgres',
      ...env,
    };
    const scenario = new Scenario(name, cluster, database, databaseUrl, dir, pool, timing, rng, baseEnv);
    return scenario;
  }

  get artifactDir(): string {
    return join(this.dir, 'artifacts');
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { ...this.baseEnv, ...extra };
  }

  log(note: string): void {
    const line = `+${String(Date.now() - this.t0).padStart(6)}ms ${note}`;
    this.notes.push(line);
  }

  async cli(args: string[], extra: Record<string, string> = {}): Promise<string> {
    const { stdout } = await run(process.execPath, [BUILT_CLI, ...args], {
      cwd: this.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...this.env(extra) },
      timeout: 60_000,
    });
    return stdout;
  }

  async spawn(id: string, extra: Record<string, string> = {}): Promise<AolInstance> {
    const instance = await AolInstance.start(id, this.env(extra), this.dir, this.t0);
    this.instances.push(instance);
    this.log(`started ${id} (pid ${instance.pid})`);
    return instance;
  }

  /** Starts several at once, as a deployment would. */
  async spawnAll(ids: string[], extra: Record<string, string> = {}): Promise<AolInstance[]> {
    return Promise.all(ids.map((id) => this.spawn(id, extra)));
  }

  byId(id: string | null): AolInstance | undefined {
    return id === null ? undefined : this.instances.find((instance) => instance.id === id);
  }

  get live(): AolInstance[] {
    return this.instances.filter((instance) => instance.alive);
  }

  async sql<T = Record<string, any>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params)).rows as T[];
  }

  /** The SQL, retried while the cluster is down (for waits that span an outage). */
  async sqlPatiently<T = Record<string, any>>(text: string, params: unknown[] = [], timeoutMs = 30_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.sql<T>(text, params);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }

  async lease(): Promise<{ owner: string | null; epoch: number; live: boolean }> {
    const [row] = await this.sql<{ owner: string | null; epoch: string; live: boolean }>(
      `select owner, epoch, (owner is not null and expires_at > clock_timestamp()) as live from aol_lease where name = 'orchestrator'`,
    );
    return { owner: row.owner, epoch: Number(row.epoch), live: row.live };
  }

  /** Waits until some instance holds an unexpired lease; returns it. */
  async waitForLeader(timeoutMs = 20_000, except: AolInstance[] = []): Promise<AolInstance> {
    return this.waitFor(
      async () => {
        const lease = await this.lease();
        const holder = lease.live ? this.byId(lease.owner) : undefined;
        return holder && holder.alive && !except.includes(holder) ? holder : undefined;
      },
      timeoutMs,
      'a leader',
    );
  }

  /** Like waitFor, but a timeout becomes a violation (named `invariant`) and false. */
  async expectWithin(
    invariant: string,
    check: () => Promise<boolean>,
    timeoutMs: number,
    what: string,
    evidence?: () => Promise<unknown[]>,
  ): Promise<boolean> {
    try {
      await this.waitFor(async () => ((await check()) ? true : undefined), timeoutMs, what);
      return true;
    } catch {
      this.violate(
        invariant,
        `not within ${timeoutMs} ms: ${what}`,
        evidence ? await evidence().catch((error: unknown) => [String(error)]) : undefined,
      );
      return false;
    }
  }

  /** Ends the dead holder's lease now, as time passing would: only for a process already gone. */
  async expireLeaseOf(instance: AolInstance): Promise<number | null> {
    if (instance.alive) throw new Error(`${instance.id} is alive: its lease must not be expired by hand`);
    const rows = await this.sql<{ epoch: string }>(
      `update aol_lease set expires_at = clock_timestamp() where name = 'orchestrator' and owner = $1 and expires_at > clock_timestamp() returning epoch`,
      [instance.id],
    );
    if (rows.length === 0) return null;
    const epoch = Number(rows[0].epoch);
    this.sampler.endedEarly(epoch);
    this.log(`expired ${instance.id}'s lease (epoch ${epoch}) by hand: it is dead`);
    return epoch;
  }

  /** Real mode on: the deployment allows it (AOL_PROOF_MODE=0 in env) and an operator switches proof mode off. */
  async switchProofModeOff(instance: AolInstance): Promise<void> {
    const answer = await instance.graphql(
      'mutation { setProofMode(enabled: false, reason: "fault suite: REAL runs against a local sink") { proofMode } }',
    );
    if (answer.errors || answer.data?.setProofMode.proofMode !== false) throw new Error(`setProofMode failed: ${JSON.stringify(answer)}`);
  }

  async actionByKey(key: string): Promise<Record<string, any> | undefined> {
    const [row] = await this.sql(
      'select id, idempotency_key, status, attempts, claimed_by, claim_epoch, last_error_code, last_error, remote_id from aol_actions where idempotency_key = $1',
      [key],
    );
    return row;
  }

  async logRowsOf(actionId: string | number): Promise<Array<Record<string, any>>> {
    return this.sql(
      `select l.id, l.attempt, l.mode, l.outcome, l.started_at, l.duration_ms, l.error_code, l.tick_id, t.owner, t.epoch from aol_execution_logs l
       left join aol_tick_ledger t on t.id = l.tick_id where l.action_id = $1 order by l.id`,
      [actionId],
    );
  }

  async waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(everyMs);
    }
  }

  /**
   * Enqueues POST_SOCIAL actions over GraphQL (≤1000 per request, the API's limit) through
   * `instance`, and returns their keys.
   */
  async enqueuePosts(instance: AolInstance, keys: string[]): Promise<string[]> {
    for (let from = 0; from < keys.length; from += 1000) {
      const batch = keys.slice(from, from + 1000);
      const answer = await instance.graphql(
        'mutation Enqueue($inputs: [EnqueueActionInput!]!) { enqueueActions(inputs: $inputs) { created action { id } } }',
        {
          inputs: batch.map((key) => ({
            type: 'POST_SOCIAL',
            idempotencyKey: key,
            payload: { platform: 'mastodon', text: `fault suite post ${key}` },
          })),
        },
        30_000,
      );
      if (answer.errors || !answer.data) throw new Error(`enqueueActions failed: ${JSON.stringify(answer.errors)}`);
      const created = (answer.data.enqueueActions as Array<{ created: boolean }>).filter((result) => result.created).length;
      if (created !== batch.length) throw new Error(`enqueueActions created ${created} of ${batch.length}`);
    }
    this.log(`enqueued ${keys.length} action(s)`);
    return keys;
  }

  keys(prefix: string, count: number): string[] {
    return Array.from({ length: count }, (_, index) => `${this.name}-${prefix}-${String(index).padStart(4, '0')}`);
  }

  async countsByStatus(): Promise<Record<string, number>> {
    const rows = await this.sql<{ status: string; count: string }>(
      'select status, count(*) as count from aol_actions group by status order by status',
    );
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  /**
   * Waits until no action is PENDING, RETRY or RUNNING. Gives up at `timeoutMs`, or earlier
   * once nothing has changed for `stallMs` (an action stuck RUNNING under a dead leader never
   * moves again), recording a violation with what was left instead of throwing, so the
   * invariants still run.
   */
  async waitUntilDrained(timeoutMs: number, stallMs = this.timing.leaseTtlSeconds * 1000 + 4000): Promise<boolean> {
    // Once a drain has stalled, later waits only confirm it: the action is not moving again.
    if (this.stalled) stallMs = Math.min(stallMs, 3000);
    const started = Date.now();
    let lastState = '';
    let lastChange = Date.now();
    for (;;) {
      try {
        const [row] = await this.sql<{ open: string; moved: string | null; logs: string }>(
          `select (select count(*) from aol_actions where status in ('PENDING', 'RETRY', 'RUNNING')) as open,
                  (select max(updated_at)::text from aol_actions) as moved,
                  (select count(*) from aol_execution_logs) as logs`,
        );
        if (Number(row.open) === 0) {
          this.log('queue drained');
          return true;
        }
        const state = `${row.open}/${row.moved}/${row.logs}`;
        if (state !== lastState) {
          lastState = state;
          lastChange = Date.now();
        }
      } catch {
        lastChange = Date.now(); // the cluster is down or restarting: that is not a stall
      }
      const now = Date.now();
      if (now - started > timeoutMs || now - lastChange > stallMs) {
        const why = now - started > timeoutMs ? `within ${timeoutMs} ms` : `: nothing changed for ${stallMs} ms`;
        const left = await this.sqlPatiently<Record<string, any>>(
          `select id, idempotency_key, status, attempts, attempt_floor, claimed_by, claim_epoch, last_error_code, run_after, updated_at
           from aol_actions where status in ('PENDING', 'RETRY', 'RUNNING') order by id limit 10`,
        ).catch(() => []);
        const lease = await this.sqlPatiently('select owner, epoch, expires_at, clock_timestamp() as now from aol_lease').catch(() => []);
        const evidence: unknown[] = [...left, { lease }];
        const shown = new Set<AolInstance>();
        const showOutput = (instance: AolInstance | undefined, role: string) => {
          if (!instance || shown.has(instance)) return;
          shown.add(instance);
          evidence.push(
            `${role} ${instance.id} (${instance.alive ? 'alive' : `dead: ${JSON.stringify(instance.exit)}`}), last lines:\n${instance.tail(8, true)}`,
          );
        };
        for (const action of left.filter((row) => row.status === 'RUNNING').slice(0, 3)) {
          evidence.push({ logRowsOfAction: action.id, rows: await this.logRowsOf(action.id).catch(() => []) });
          showOutput(this.byId(action.claimed_by), 'claimer');
        }
        showOutput(this.byId((lease[0] as { owner?: string } | undefined)?.owner ?? null), 'lease holder');
        this.stalled = true;
        this.violate(
          'drains',
          `the queue did not drain ${why}: ${JSON.stringify(await this.countsByStatus().catch(() => ({})))}`,
          evidence,
        );
        return false;
      }
      await sleep(100);
    }
  }

  violate(invariant: string, detail: string, rows?: unknown[]): void {
    this.violations.push({ invariant, detail, rows });
    this.log(`VIOLATION ${invariant}: ${detail}`);
  }

  /** Every process that exited without being told to is a crash: the service must stay up. */
  checkNoCrash(): void {
    for (const instance of this.instances) {
      if (instance.crashed)
        this.violate('stays up', `${instance.id} exited on its own (${JSON.stringify(instance.exit)})`, [instance.tail(30, true)]);
    }
  }

  /**
   * Graceful stop: SIGTERM, then exit 0 within the bound. Returns the exit and how long it took.
   */
  async terminate(instance: AolInstance, boundMs = shutdownBoundMs(this.timing)): Promise<{ exit: Exit | null; ms: number }> {
    if (instance.isStopped) instance.thaw();
    const sentAt = instance.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      instance.exited,
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), boundMs + 2000))),
    ]);
    clearTimeout(timer);
    const ms = Date.now() - sentAt;
    if (!exit) {
      this.violate('graceful shutdown', `${instance.id} did not exit within ${boundMs + 2000} ms of SIGTERM`, [instance.tail(25, true)]);
      instance.child.kill('SIGKILL');
      await instance.exited;
    } else if (exit.code !== 0 || ms > boundMs) {
      this.violate(
        'graceful shutdown',
        `${instance.id} exited code=${exit.code} signal=${exit.signal} after ${ms} ms of SIGTERM (bound ${boundMs} ms)`,
        [instance.tail(25, true)],
      );
    }
    return { exit, ms };
  }

  /**
   * Ends the scenario: thaws and SIGTERMs what is alive (checked like any shutdown), stops
   * the sampler, writes every process's output to the scratch directory, and keeps that
   * directory (and the database) when something failed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sampler.stop();
    await Promise.all(this.live.map((instance) => this.terminate(instance)));
    for (const instance of this.instances) await writeFile(join(this.dir, `${instance.id}.log`), instance.output());
    await writeFile(join(this.dir, 'harness.log'), this.notes.join('\n'));
    // Every scenario's timeline, passed or failed, in one directory per seed.
    const timelines = join(tmpdir(), `aol-faults-${this.rng.seed}`);
    await mkdir(timelines, { recursive: true });
    await writeFile(
      join(timelines, `${this.name}.log`),
      [...this.notes, ...this.violations.map((v) => `VIOLATION [${v.invariant}] ${v.detail}`)].join('\n'),
    );
    // The private cluster goes away with the spec file: keep the rows as evidence.
    if (this.violations.length > 0) {
      const tables = await snapshotTables(this).catch((error: unknown) => ({ unreadable: String(error) }));
      await writeFile(join(this.dir, 'tables.json'), JSON.stringify(tables, null, 1));
    }
    await this.pool.end().catch(() => undefined);
    if (this.violations.length === 0) {
      await rm(this.dir, { recursive: true, force: true });
      await this.cluster
        .withClient('postgres', (client) => client.query(`drop database if exists ${this.database} with (force)`))
        .catch(() => undefined);
    }
  }

  /** Kills whatever is still running, without checks (after a harness error). */
  async abort(): Promise<void> {
    for (const instance of this.live) {
      if (instance.isStopped) instance.thaw();
      instance.child.kill('SIGKILL');
    }
    await Promise.all(this.instances.map((instance) => instance.exited));
  }

  /** Throws with every violation and the evidence, or returns quietly. */
  report(): void {
    if (this.violations.length === 0) return;
    const parts = [`${this.name}: ${this.violations.length} invariant violation(s) (seed ${this.rng.seed}; evidence kept in ${this.dir})`];
    for (const violation of this.violations) {
      parts.push(`\n✗ [${violation.invariant}] ${violation.detail}`);
      for (const row of (violation.rows ?? []).slice(0, 12))
        parts.push(`    ${typeof row === 'string' ? row.split('\n').join('\n    ') : JSON.stringify(row)}`);
      if ((violation.rows ?? []).length > 12) parts.push(`    … ${(violation.rows ?? []).length - 12} more`);
    }
    parts.push('\nharness timeline:\n  ' + this.notes.slice(-40).join('\n  '));
    throw new Error(parts.join('\n'));
  }
}
