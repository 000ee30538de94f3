import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AolConfig } from '../config/aol-config';
import { EVENT_BUS } from './event-bus';
import { InProcessEventBus } from './in-process-event-bus';
import { PostgresNotifyEventBus } from './postgres-notify-event-bus';

/** The event bus AOL_EVENT_BUS selects: in-process (one instance) or PostgreSQL LISTEN/NOTIFY (several). */
@Global()
@Module({})
export class EventsModule {
  static forRoot(config: AolConfig): DynamicModule {
    return {
      module: EventsModule,
      providers: [{ provide: EVENT_BUS, useClass: config.eventBus === 'postgres' ? PostgresNotifyEventBus : InProcessEventBus }],
      exports: [EVENT_BUS],
    };
  }
}
