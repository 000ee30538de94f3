import { Controller, Get, HttpCode, Logger, ServiceUnavailableException } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { MigrationService } from '../database/migration.service';
import { sql } from '../database/sql';
import { SqlDatabase } from '../database/sql-database';
import { AolMetrics } from '../metrics/aol-metrics';
import { ArtifactStore } from '../social/artifact-store';

/** A check that has not answered by then counts as failed: a probe must answer in time. */
const CHECK_TIMEOUT_MS = 3000;
/** Readiness wants a tick within 3 intervals, but never less than this: a busy host may delay a short interval. */
const MIN_TICK_SILENCE_MS = 5000;

type Checks = Record<'database' | 'migrations' | 'artifacts' | 'tick', string>;

/**
 * Probes for load balancers, the container's health check and Kubernetes. No token needed;
 * they reveal nothing else. /health/live: the process serves (a restart would not help with
 * anything the readiness checks find). /health/ready, and /health as its alias: the database
 * answers, the migrations are applied, AOL_ARTIFACT_DIR takes a file, and where this instance
 * ticks, its tick ran lately; 503 naming what failed otherwise (the details, which may name
 * hosts and paths, go to the log, once per change).
 */
@Controller('health')
export class HealthController {
  /** Applied migrations stay applied: once none is pending, no need to ask again. */
  private migrated = false;
  private readonly logger = new Logger(HealthController.name);
  private lastProblems = '';

  constructor(
    private readonly config: AolConfig,
    private readonly db: SqlDatabase,
    private readonly migrations: MigrationService,
    private readonly artifacts: ArtifactStore,
    private readonly metrics: AolMetrics,
  ) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get()
  @HttpCode(200)
  health(): Promise<{ status: 'ok'; checks: Checks }> {
    return this.ready();
  }

  @Get('ready')
  @HttpCode(200)
  async ready(): Promise<{ status: 'ok'; checks: Checks }> {
    const details: string[] = [];
    const check = async (problem: string, run: () => Promise<unknown>): Promise<string> => {
      const failure = await failureOf(run);
      if (failure === null) return 'ok';
      details.push(`${problem}: ${failure}`);
      return problem;
    };
    const [database, migrations, artifacts] = await Promise.all([
      check('the database does not answer', () => this.db.query(sql`select 1`)),
      check('migrations are not applied', () => this.assertMigrated()),
      check('AOL_ARTIFACT_DIR cannot be written', () => this.artifacts.assertWritable()),
    ]);
    const checks: Checks = { database, migrations, artifacts, tick: this.tickCheck() };
    const failed = Object.values(checks).filter((result) => result !== 'ok');
    this.logChange([...details, ...(checks.tick === 'ok' ? [] : [checks.tick])].join('; '));
    if (failed.length > 0) throw new ServiceUnavailableException({ status: 'unavailable', reason: failed.join('; '), checks });
    return { status: 'ok', checks };
  }

  private logChange(problems: string): void {
    if (problems === this.lastProblems) return;
    if (problems) this.logger.warn(`Not ready: ${problems}`);
    else this.logger.log('Ready again');
    this.lastProblems = problems;
  }

  private async assertMigrated(): Promise<void> {
    if (this.migrated) return;
    const pending = await this.migrations.pendingMigrations();
    if (pending.length > 0) throw new Error(`${pending.length} migration(s) not applied: ${pending.join(', ')}`);
    this.migrated = true;
  }

  /** Where this instance ticks (AOL_TICK_ENABLED), a tick must have run within 3 intervals, or be running within its budget. */
  private tickCheck(): string {
    if (!this.config.tickEnabled) return 'ok';
    const { runningSince, lastFinishedAt } = this.metrics.tickActivity;
    const silenceMs = Math.max(3 * this.config.tickIntervalMs, MIN_TICK_SILENCE_MS);
    const now = Date.now();
    if (runningSince !== null) {
      const budgetMs = (this.config.maxTickSeconds + this.config.actionTimeoutSeconds) * 1000 + silenceMs;
      return now - runningSince <= budgetMs ? 'ok' : `the tick running since ${new Date(runningSince).toISOString()} is past its budget`;
    }
    return now - lastFinishedAt <= silenceMs ? 'ok' : `no tick for ${Math.round((now - lastFinishedAt) / 1000)} s`;
  }
}

/** Null when `run` resolves within CHECK_TIMEOUT_MS, else why not. */
async function failureOf(run: () => Promise<unknown>): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
