import { Inject, ParseIntPipe } from '@nestjs/common';
import { Args, ID, Query, Resolver, Subscription } from '@nestjs/graphql';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { PageArgs, toConnection, toPageRequest } from '../graphql/pagination';
import type { ExecutionLogEntity } from './execution-log.entity';
import { LedgerService } from './ledger.service';
import { ExecutionLogConnection, ExecutionLogModel } from './models/execution-log.model';
import { TickConnection, TickModel } from './models/tick.model';
import type { TickEntity } from './tick.entity';

@Resolver(() => TickModel)
export class LedgerResolver {
  constructor(
    private readonly ledger: LedgerService,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}

  @Query(() => TickConnection, { description: 'The tick ledger, newest first.' })
  async ticks(@Args() page: PageArgs): Promise<TickConnection> {
    return toConnection(await this.ledger.listTicks(toPageRequest(page)), TickModel.from);
  }

  @Query(() => ExecutionLogConnection, { description: "Attempts, newest first: one action's, or everyone's without actionId." })
  async executionLogs(
    @Args() page: PageArgs,
    @Args('actionId', { type: () => ID, nullable: true }, new ParseIntPipe({ optional: true })) actionId?: number,
  ): Promise<ExecutionLogConnection> {
    return toConnection(await this.ledger.listExecutionLogs(actionId ?? null, toPageRequest(page)), ExecutionLogModel.from);
  }

  @Subscription(() => TickModel, {
    description: 'Every tick of the leader, as it completes.',
    resolve: (tick: TickEntity) => TickModel.from(tick),
  })
  tickCompleted(): AsyncIterableIterator<TickEntity> {
    return this.events.subscribe<TickEntity>(AolTopic.TICK_COMPLETED);
  }

  @Subscription(() => ExecutionLogModel, {
    description: 'Every attempt as it is recorded, optionally of one action only.',
    filter: (log: ExecutionLogEntity, args: { actionId?: string | null }) => !args.actionId || String(log.actionId) === args.actionId,
    resolve: (log: ExecutionLogEntity) => ExecutionLogModel.from(log),
  })
  executionLogged(@Args('actionId', { type: () => ID, nullable: true }) _actionId?: string | null): AsyncIterableIterator<ExecutionLogEntity> {
    return this.events.subscribe<ExecutionLogEntity>(AolTopic.EXECUTION_LOGGED);
  }
}
