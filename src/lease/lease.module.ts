import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { LeaseEntity } from './lease.entity';
import { LeaseService } from './lease.service';
import { LeaseResolver } from './lease.resolver';

@Module({
  imports: [MikroOrmModule.forFeature([LeaseEntity])],
  providers: [LeaseService, LeaseResolver],
  exports: [LeaseService],
})
export class LeaseModule {}
