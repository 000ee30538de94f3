import { AuditService } from '../audit/audit.service';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AolConfig, RetentionPolicy } from '../config/aol-config';
import { SqlDatabase } from '../database/sql-database';
import { LedgerService } from '../ledger/ledger.service';
import { AolMetrics } from '../metrics/aol-metrics';
import { QueueService } from '../queue/queue.service';
import { ArtifactStore } from '../social/artifact-store';
import { TickService } from './tick.service';

/** Rows one statement deletes at most: a few milliseconds of work, never a long lock. */
export const RETENTION_BATCH = 500;
/** Batches one round runs at most while they come back full, before it waits for the next round. */
const BATCHES_PER_ROUND = 20;

/**
 * The retention policy (AOL_RETAIN_*), applied by the leader on a timer of its own, so it never
 * holds up a tick: every AOL_RETENTION_INTERVAL_SECONDS a round deletes old idle ledger rows and
 * (when enabled) old finished actions with their log rows and artifact files, 500 rows a
 * statement, again at once while batches come back full (at most 20 a round). Each kind keeps
 * an id cursor, so rows kept for good (working ticks, DLQ actions) are read once per process,
 * not every round; a row passed over that becomes prunable later (a DLQ action retried to
 * SUCCESS) goes after the next restart.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private readonly policy: RetentionPolicy;
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private idleTickCursor = 0;
  private actionCursor = 0;

  constructor(
    config: AolConfig,
    private readonly ticks: TickService,
    private readonly ledger: LedgerService,
    private readonly queue: QueueService,
    private readonly artifacts: ArtifactStore,
    private readonly db: SqlDatabase,
    private readonly metrics: AolMetrics,
    private readonly audit: AuditService,
  ) {
    this.policy = config.retention;
  }

  onApplicationBootstrap(): void {
    if (this.policy.idleTicksDays === 0 && this.policy.finishedActionsDays === 0) return;
    this.timer = setInterval(() => {
      if (!this.round && this.ticks.isLeader) this.round = this.runRound().finally(() => (this.round = null));
    }, this.policy.intervalSeconds * 1000);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.round;
  }

  /** One round; a failure (the database away) is logged and the next round tries again. */
  async runRound(): Promise<void> {
    const pruned = { idleTicks: 0, finishedActions: 0, actionLogs: 0, artifacts: 0 };
    try {
      for (let batch = 0; batch < BATCHES_PER_ROUND && this.ticks.isLeader; batch += 1) {
        const ticks = this.policy.idleTicksDays > 0 ? await this.pruneIdleTicks() : 0;
        const actions = this.policy.finishedActionsDays > 0 ? await this.pruneFinishedActions() : null;
        pruned.idleTicks += ticks;
        if (actions) {
          pruned.finishedActions += actions.actions;
          pruned.actionLogs += actions.logs;
          pruned.artifacts += actions.artifacts;
        }
        if (ticks < RETENTION_BATCH && (actions?.actions ?? 0) < RETENTION_BATCH) break;
      }
    } catch (error) {
      this.logger.warn({ msg: `Retention round failed: ${error instanceof Error ? error.message : String(error)}`, err: error });
    }
    if (pruned.idleTicks + pruned.finishedActions === 0) return;
    for (const [kind, count] of Object.entries(pruned)) this.metrics.pruned(kind, count);
    this.logger.log({
      msg: `Retention removed ${pruned.idleTicks} idle ledger row(s), ${pruned.finishedActions} finished action(s), ${pruned.actionLogs} log row(s), ${pruned.artifacts} artifact file(s)`,
      ...pruned,
    });
  }

  private async pruneIdleTicks(): Promise<number> {
    const ids = await this.ledger.pruneIdleTicks({
      olderThanDays: this.policy.idleTicksDays,
      afterId: this.idleTickCursor,
      limit: RETENTION_BATCH,
    });
    if (ids.length > 0) this.idleTickCursor = Math.max(...ids);
    return ids.length;
  }

  /**
   * One batch of finished actions: in one transaction, the checkpoint naming them and their log
   * rows, then the log rows and the actions (AuditService.removeUnderCheckpoint, the one path
   * the append-only log table lets delete); then their files.
   */
  private async pruneFinishedActions(): Promise<{ actions: number; logs: number; artifacts: number }> {
    const days = this.policy.finishedActionsDays;
    const { deleted, artifactRefs, logs } = await this.db.transaction(async (tx) => {
      const ids = await this.queue.selectFinished({ olderThanDays: days, afterId: this.actionCursor, limit: RETENTION_BATCH }, tx);
      if (ids.length === 0) return { deleted: [], logs: 0, artifactRefs: [] };
      const logRows = await this.ledger.countActionLogs(ids, tx);
      return this.audit.removeUnderCheckpoint(tx, { actionIds: ids, logRows }, async () => {
        const logs = await this.ledger.deleteActionLogs(ids, tx);
        const actions = await this.queue.deleteFinished(ids, days, tx);
        return {
          deleted: actions,
          logs: logs.deleted,
          artifactRefs: [...logs.artifactRefs, ...actions.flatMap((action) => action.artifactRef ?? [])],
        };
      });
    });
    if (deleted.length > 0) this.actionCursor = Math.max(...deleted.map((action) => action.id));
    // Files after the commit: a file left by a failure here costs disk, never the audit a row holds.
    await this.artifacts.remove(artifactRefs);
    return { actions: deleted.length, logs, artifacts: new Set(artifactRefs).size };
  }
}
