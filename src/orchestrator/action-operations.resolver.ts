import { Args, ID, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../graphql/id.pipe';
import { PageArgs, toConnection, toPageRequest } from '../graphql/pagination';
import { LedgerService } from '../ledger/ledger.service';
import { ExecutionLogConnection, ExecutionLogModel } from '../ledger/models/execution-log.model';
import { ActionModel } from '../queue/models/action.model';
import { ActionOperationsService } from './action-operations.service';

const REASON = { description: 'Why: kept with the change in the control events.' };

/** Where the queue meets the ledger and the switchboard: an action's attempts, cancel, retry. */
@Resolver(() => ActionModel)
export class ActionOperationsResolver {
  constructor(
    private readonly operations: ActionOperationsService,
    private readonly ledger: LedgerService,
  ) {}

  @ResolveField(() => ExecutionLogConnection, { description: 'Its attempts, newest first.' })
  async executionLogs(@Parent() action: ActionModel, @Args() page: PageArgs): Promise<ExecutionLogConnection> {
    const actionId = Number(action.id);
    return toConnection(await this.ledger.listExecutionLogs(actionId, toPageRequest(page)), ExecutionLogModel.from, () =>
      this.ledger.countExecutionLogs(actionId),
    );
  }

  @Mutation(() => ActionModel, { description: 'Cancel an action that has not started (PENDING or RETRY).' })
  async cancelAction(
    @Args('id', { type: () => ID }, ParseIdPipe) id: number,
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ActionModel> {
    return ActionModel.from(await this.operations.cancel(id, { reason, actor: principal.actor }));
  }

  @Mutation(() => ActionModel, { description: 'Send a DLQ or NEEDS_REVIEW action back to the queue with a fresh retry budget.' })
  async retryAction(
    @Args('id', { type: () => ID }, ParseIdPipe) id: number,
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ActionModel> {
    return ActionModel.from(await this.operations.retry(id, { reason, actor: principal.actor }));
  }
}
