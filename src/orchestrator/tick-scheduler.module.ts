import { AuditModule } from '../audit/audit.module';
import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LedgerModule } from '../ledger/ledger.module';
import { MetricsModule } from '../metrics/metrics.module';
import { QueueModule } from '../queue/queue.module';
import { SocialModule } from '../social/social.module';
import { OrchestratorModule } from './orchestrator.module';
import { RetentionService } from './retention.service';

import { TickScheduler } from './tick.scheduler';

/**
 * The tick on its interval, and retention on its own, for the server; the CLI runs the
 * orchestrator without them and ticks on demand.
 */
@Module({
  imports: [ScheduleModule.forRoot(), OrchestratorModule, LedgerModule, QueueModule, SocialModule, MetricsModule, AuditModule],
  providers: [TickScheduler, RetentionService],
})
export class TickSchedulerModule {}
