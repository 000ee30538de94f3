import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { AolConfig } from './config/aol-config';
import { ConfigModule } from './config/config.module';
import { ConsoleModule } from './console/console.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { GraphqlApiModule } from './graphql/graphql-api.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { OrchestratorModule } from './orchestrator/orchestrator.module';
import { TickSchedulerModule } from './orchestrator/tick-scheduler.module';
import { WebhookDispatchModule } from './webhook-dispatch/webhook-dispatch.module';

/**
 * What the CLI runs: the modules and the tick, without HTTP, GraphQL or the interval. `service`:
 * the long-running service, which also keeps a webhook cursor (see WebhookDispatcher).
 */
@Module({})
export class CoreModule {
  static forRoot(config: AolConfig, service = false): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config.database),
        EventsModule.forRoot(config),
        OrchestratorModule,
        WebhookDispatchModule.forRoot(service),
      ],
      exports: [OrchestratorModule],
    };
  }
}

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
