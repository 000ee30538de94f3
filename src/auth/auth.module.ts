import { Global, Module } from '@nestjs/common';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';

@Global()
@Module({ imports: [RateLimitModule], providers: [AuthService, AuthResolver], exports: [AuthService] })
export class AuthModule {}
