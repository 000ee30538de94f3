import { Global, Module } from '@nestjs/common';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AuthService } from './auth.service';

@Global()
@Module({ imports: [RateLimitModule], providers: [AuthService], exports: [AuthService] })
export class AuthModule {}
