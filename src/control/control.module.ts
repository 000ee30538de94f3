import { AuditModule } from '../audit/audit.module';
import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ControlEventEntity } from './control-event.entity';
import { ControlFlagsEntity } from './control-flags.entity';
import { ControlResolver } from './control.resolver';
import { ControlService } from './control.service';

@Module({
  imports: [MikroOrmModule.forFeature([ControlFlagsEntity, ControlEventEntity]), AuditModule],
  providers: [ControlService, ControlResolver],
  exports: [ControlService],
})
export class ControlModule {}
