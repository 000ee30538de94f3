import { AuditModule } from '../audit/audit.module';
import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ActionHandlersModule } from '../action-handlers/action-handlers.module';
import { ActionEntity } from './action.entity';
import { QueueCountEntity } from './queue-count.entity';
import { QueueRepository } from './queue.repository';
import { QueueResolver } from './queue.resolver';
import { QueueService } from './queue.service';

@Module({
  imports: [MikroOrmModule.forFeature([ActionEntity, QueueCountEntity]), ActionHandlersModule, AuditModule],
  providers: [QueueRepository, QueueService, QueueResolver],
  exports: [QueueService],
})
export class QueueModule {}
