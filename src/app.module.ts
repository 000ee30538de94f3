import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { AolConfig } from './config/aol-config';
import { ConsoleModule } from './console/console.module';
import { CoreModule } from './core.module';
import { GraphqlApiModule } from './graphql/graphql-api.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { TickSchedulerModule } from './orchestrator/tick-scheduler.module';

/** The service: the core, the GraphQL API, the console, and the tick on its interval. */
@Module({})
export class AppModule {
  static forRoot(config: AolConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggingModule.forRoot(config),
        CoreModule.forRoot(config, true),
        AuthModule,
        GraphqlApiModule,
        HealthModule,
        ConsoleModule,
        TickSchedulerModule,
      ],
    };
  }
}
