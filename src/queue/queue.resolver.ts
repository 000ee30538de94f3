import { Inject } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../graphql/id.pipe';
import { toConnection, toPageRequest } from '../graphql/pagination';
import type { ActionEntity } from './action.entity';
import { ActionStatus } from '../actions/action-status';
import { ActionsArgs } from './dto/action-filter.input';
import { EnqueueActionInput } from './dto/enqueue-action.input';
import { ActionConnection } from './models/action-connection.model';
import { ActionModel } from './models/action.model';
import { EnqueueResultModel } from './models/enqueue-result.model';
import { EnqueueRequest, MAX_BATCH_SIZE, QueueService } from './queue.service';

@Resolver(() => ActionModel)
export class QueueResolver {
  constructor(
    private readonly queue: QueueService,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}

  @Query(() => ActionModel, { description: 'One action by id; NOT_FOUND if there is none.' })
  async action(@Args('id', { type: () => ID }, ParseIdPipe) id: number): Promise<ActionModel> {
    return ActionModel.from(await this.queue.getAction(id));
  }

  @Query(() => ActionConnection, { description: 'Actions, newest first, filtered, a page at a time.' })
  async actions(@Args() args: ActionsArgs): Promise<ActionConnection> {
    const filter = args.filter ?? {};
    return toConnection(await this.queue.listActions(filter, toPageRequest(args)), ActionModel.from, () => this.queue.countActions(filter));
  }

  @Mutation(() => EnqueueResultModel, { description: 'Adds an action to the queue; idempotent on idempotencyKey.' })
  async enqueueAction(
    // Typed as the service's request, not the input class, so the global ValidationPipe passes
    // it by: GraphQL has checked its shape and the service checks its values, as for
    // enqueueActions (about 8 % of the service's CPU per request went to validating it again).
    @Args('input', { type: () => EnqueueActionInput }) input: EnqueueRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnqueueResultModel> {
    const { created, action } = await this.queue.enqueue({ ...input, enqueuedBy: principal.actor });
    return { created, action: ActionModel.from(action) };
  }

  @Mutation(() => [EnqueueResultModel], {
    description: `Adds up to ${MAX_BATCH_SIZE} actions in one statement, all or nothing; results in input order.`,
  })
  async enqueueActions(
    @Args('inputs', { type: () => [EnqueueActionInput] }) inputs: EnqueueRequest[],
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnqueueResultModel[]> {
    const outcomes = await this.queue.enqueueMany(inputs.map((input) => ({ ...input, enqueuedBy: principal.actor })));
    return outcomes.map(({ created, action }) => ({ created, action: ActionModel.from(action) }));
  }

  @Subscription(() => ActionModel, {
    description: 'Every change of an action (enqueued, claimed, finished, cancelled, retried), optionally only one action or one status.',
    filter: (action: ActionEntity, args: { id?: string | null; status?: ActionStatus | null }) =>
      (!args.id || String(action.id) === args.id) && (!args.status || action.status === args.status),
    // An event from another instance may come without the payload (too big to notify): read it.
    async resolve(this: QueueResolver, action: ActionEntity) {
      return ActionModel.from(
        action.payload === undefined ? { ...action, payload: (await this.queue.getAction(action.id)).payload } : action,
      );
    },
  })
  actionUpdated(
    @Args('id', { type: () => ID, nullable: true }, ParseIdPipe) _id?: number | null,
    @Args('status', { type: () => ActionStatus, nullable: true }) _status?: ActionStatus | null,
  ): AsyncIterableIterator<ActionEntity> {
    return this.events.subscribe<ActionEntity>(AolTopic.ACTION_UPDATED);
  }
}
