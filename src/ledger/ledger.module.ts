import { AuditModule } from '../audit/audit.module';
import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ExecutionLogEntity } from './execution-log.entity';
import { LedgerResolver } from './ledger.resolver';
import { LedgerService } from './ledger.service';
import { TickEntity } from './tick.entity';

@Module({
  imports: [MikroOrmModule.forFeature([TickEntity, ExecutionLogEntity]), AuditModule],
  providers: [LedgerService, LedgerResolver],
  exports: [LedgerService],
})
export class LedgerModule {}
