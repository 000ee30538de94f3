import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ParseIntPipe } from '@nestjs/common';
import { EnqueueActionInput } from './dto/enqueue-action.input';
import { ActionModel } from './models/action.model';
import { EnqueueResultModel } from './models/enqueue-result.model';
import { QueueService } from './queue.service';

@Resolver(() => ActionModel)
export class QueueResolver {
  constructor(private readonly queue: QueueService) {}

  @Query(() => ActionModel, { description: 'One action by id; NOT_FOUND if there is none.' })
  async action(@Args('id', { type: () => ID }, ParseIntPipe) id: number): Promise<ActionModel> {
    return ActionModel.from(await this.queue.getAction(id));
  }

  @Mutation(() => EnqueueResultModel, { description: 'Adds an action to the queue; idempotent on idempotencyKey.' })
  async enqueueAction(@Args('input') input: EnqueueActionInput): Promise<EnqueueResultModel> {
    const { created, action } = await this.queue.enqueue(input);
    return { created, action: ActionModel.from(action) };
  }
}
