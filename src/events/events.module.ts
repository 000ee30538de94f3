import { Global, Module } from '@nestjs/common';
import { EVENT_BUS } from './event-bus';
import { InProcessEventBus } from './in-process-event-bus';

@Global()
@Module({
  providers: [{ provide: EVENT_BUS, useClass: InProcessEventBus }],
  exports: [EVENT_BUS],
})
export class EventsModule {}
