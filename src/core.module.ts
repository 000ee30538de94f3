import { DynamicModule, Module } from '@nestjs/common';
import { AolConfig } from './config/aol-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { OrchestratorModule } from './orchestrator/orchestrator.module';
import { WebhookDispatchModule } from './webhook-dispatch/webhook-dispatch.module';

/**
 * What the CLI runs: the modules and the tick, without HTTP, GraphQL or the interval. `service`:
 * the long-running service, which also keeps a webhook cursor (see WebhookDispatcher). A file of
 * its own, so that the CLI does not load the service's HTTP side (Fastify, the GraphQL endpoint's
 * module, the console, health).
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
