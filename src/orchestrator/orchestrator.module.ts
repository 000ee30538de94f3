import { AuditModule } from '../audit/audit.module';
import { AuditChainResolver } from './audit-chain.resolver';
import { Module } from '@nestjs/common';
import { ActionHandlersModule } from '../action-handlers/action-handlers.module';
import { ControlModule } from '../control/control.module';
import { LeaseModule } from '../lease/lease.module';
import { LedgerModule } from '../ledger/ledger.module';
import { MetricsModule } from '../metrics/metrics.module';
import { QueueModule } from '../queue/queue.module';
import { SocialModule } from '../social/social.module';
import { ActionArtifactResolver } from './action-artifact.resolver';
import { ActionOperationsResolver } from './action-operations.resolver';
import { ActionOperationsService } from './action-operations.service';
import { AutonomyStatusResolver } from './autonomy-status.resolver';
import { AutonomyStatusService } from './autonomy-status.service';
import { ActionRunner } from './action-runner';
import { PlatformPacer } from './platform-pacer';
import { RescueService } from './rescue.service';
import { TickService } from './tick.service';

/** Runs the tick over the five modules; nothing depends on it. */
@Module({
  imports: [QueueModule, LeaseModule, ControlModule, LedgerModule, ActionHandlersModule, MetricsModule, SocialModule, AuditModule],
  providers: [
    TickService,
    ActionRunner,
    RescueService,
    PlatformPacer,
    AutonomyStatusService,
    AutonomyStatusResolver,
    ActionOperationsService,
    ActionOperationsResolver,
    ActionArtifactResolver,
    AuditChainResolver,
  ],
  exports: [TickService, AutonomyStatusService, ActionOperationsService],
})
export class OrchestratorModule {}
