import { Inject } from '@nestjs/common';
import { ArgsType, Args, Field, ID, InputType, Query, Resolver, Subscription } from '@nestjs/graphql';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDate, IsOptional, ValidateNested } from 'class-validator';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { ParseIdPipe, parseId } from '../graphql/id.pipe';
import { PageArgs, toConnection, toPageRequest } from '../graphql/pagination';
import type { ExecutionLogEntity } from './execution-log.entity';
import { LedgerService, TickFilter } from './ledger.service';
import { ExecutionLogConnection, ExecutionLogModel } from './models/execution-log.model';
import { TickConnection, TickModel } from './models/tick.model';
import type { TickEntity } from './tick.entity';

@ArgsType()
class ExecutionLogsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "One action's attempts only." })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === null || value === undefined ? value : parseId(value, 'actionId')))
  actionId?: number | null;
}

@InputType()
class TickFilterInput implements TickFilter {
  @Field(() => Boolean, { nullable: true, description: 'Leave out idle ticks: those that attempted nothing.' })
  @IsOptional()
  @IsBoolean()
  hideIdle?: boolean | null;

  @Field(() => Date, { nullable: true, description: 'Started at or after this time.' })
  @IsOptional()
  @IsDate()
  since?: Date | null;
}

@ArgsType()
class TicksArgs extends PageArgs {
  @Field(() => TickFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => TickFilterInput)
  filter?: TickFilterInput | null;
}

@Resolver(() => TickModel)
export class LedgerResolver {
  constructor(
    private readonly ledger: LedgerService,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}

  @Query(() => TickConnection, { description: 'The tick ledger, newest first.' })
  async ticks(@Args() args: TicksArgs): Promise<TickConnection> {
    const filter = args.filter ?? {};
    return toConnection(await this.ledger.listTicks(filter, toPageRequest(args)), TickModel.from, () => this.ledger.countTicks(filter));
  }

  @Query(() => ExecutionLogConnection, { description: "Attempts, newest first: one action's, or everyone's without actionId." })
  async executionLogs(@Args() args: ExecutionLogsArgs): Promise<ExecutionLogConnection> {
    const actionId = args.actionId ?? null;
    return toConnection(await this.ledger.listExecutionLogs(actionId, toPageRequest(args)), ExecutionLogModel.from, () =>
      this.ledger.countExecutionLogs(actionId),
    );
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
  executionLogged(
    @Args('actionId', { type: () => ID, nullable: true }, ParseIdPipe) _actionId?: number | null,
  ): AsyncIterableIterator<ExecutionLogEntity> {
    return this.events.subscribe<ExecutionLogEntity>(AolTopic.EXECUTION_LOGGED);
  }
}
