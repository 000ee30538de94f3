import { Inject } from '@nestjs/common';
import { Args, ID, Int, Query, Resolver, Subscription } from '@nestjs/graphql';
import { ParseIntPipe } from '@nestjs/common';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { LedgerService } from './ledger.service';
import { ExecutionLogModel } from './models/execution-log.model';
import { TickModel } from './models/tick.model';
import type { TickEntity } from './tick.entity';

const MAX_TICKS = 100;

@Resolver(() => TickModel)
export class LedgerResolver {
  constructor(
    private readonly ledger: LedgerService,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}

  @Query(() => [TickModel], { description: `The most recent ticks, newest first (at most ${MAX_TICKS}).` })
  async recentTicks(@Args('limit', { type: () => Int, defaultValue: 20 }) limit: number): Promise<TickModel[]> {
    const ticks = await this.ledger.recentTicks(Math.min(Math.max(limit, 1), MAX_TICKS));
    return ticks.map(TickModel.from);
  }

  @Query(() => [ExecutionLogModel], { description: "An action's attempts, oldest first." })
  async executionLogs(@Args('actionId', { type: () => ID }, ParseIntPipe) actionId: number): Promise<ExecutionLogModel[]> {
    return (await this.ledger.executionLogs(actionId)).map(ExecutionLogModel.from);
  }

  @Subscription(() => TickModel, {
    description: 'Every tick of the leader, as it completes.',
    resolve: (tick: TickEntity) => TickModel.from(tick),
  })
  tickCompleted(): AsyncIterableIterator<TickEntity> {
    return this.events.subscribe<TickEntity>(AolTopic.TICK_COMPLETED);
  }
}
