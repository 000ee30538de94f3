import { Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { LeaseModule } from '../lease/lease.module';
import { QueueModule } from '../queue/queue.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AolMetrics } from './aol-metrics';
import { MetricsController } from './metrics.controller';

/** GET /metrics, and the instruments the orchestrator feeds. */
@Module({
  imports: [QueueModule, LeaseModule, ControlModule, RateLimitModule],
  providers: [AolMetrics],
  controllers: [MetricsController],
  exports: [AolMetrics],
})
export class MetricsModule {}
