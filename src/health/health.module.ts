import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { SocialModule } from '../social/social.module';
import { HealthController } from './health.controller';

@Module({ imports: [MetricsModule, SocialModule], controllers: [HealthController] })
export class HealthModule {}
