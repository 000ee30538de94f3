import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { OrchestratorModule } from './orchestrator.module';
import { TickScheduler } from './tick.scheduler';

/** The tick on its interval, for the server; the CLI runs the orchestrator without it and ticks on demand. */
@Module({
  imports: [ScheduleModule.forRoot(), OrchestratorModule],
  providers: [TickScheduler],
})
export class TickSchedulerModule {}
