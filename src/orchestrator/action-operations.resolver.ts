import { Args, ID, Int, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../graphql/id.pipe';
import { PageArgs, toConnection, toPageRequest } from '../graphql/pagination';
import { LedgerService } from '../ledger/ledger.service';
import { ExecutionLogConnection, ExecutionLogModel } from '../ledger/models/execution-log.model';
import { ActionModel } from '../queue/models/action.model';
import { ActionOperationsService, MAX_BULK_ACTIONS } from './action-operations.service';
import { BulkActionFilterInput } from './dto/bulk-action-filter.input';
import { BulkChangeModel } from './models/bulk-change.model';

const REASON = { description: 'Why: kept with the change in the control events.' };
const LIMIT = {
  type: () => Int,
  defaultValue: MAX_BULK_ACTIONS,
  description: `At most this many actions (1 to ${MAX_BULK_ACTIONS}); \`remaining\` says how many the filter still matches.`,
};

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

  @Mutation(() => BulkChangeModel, {
    description: `Send the DLQ or NEEDS_REVIEW actions a filter matches back to the queue (as retryAction), up to ${MAX_BULK_ACTIONS} per call, in batches; one control event.`,
  })
  async retryActions(
    @Args('filter', { type: () => BulkActionFilterInput }) filter: BulkActionFilterInput,
    @Args('reason', REASON) reason: string,
    @Args('limit', LIMIT) limit: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkChangeModel> {
    return BulkChangeModel.from(await this.operations.retryMatching({ filter, limit }, { reason, actor: principal.actor }));
  }

  @Mutation(() => BulkChangeModel, {
    description: `Cancel the DLQ or NEEDS_REVIEW actions a filter matches, up to ${MAX_BULK_ACTIONS} per call, in batches; one control event.`,
  })
  async cancelActions(
    @Args('filter', { type: () => BulkActionFilterInput }) filter: BulkActionFilterInput,
    @Args('reason', REASON) reason: string,
    @Args('limit', LIMIT) limit: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkChangeModel> {
    return BulkChangeModel.from(await this.operations.cancelMatching({ filter, limit }, { reason, actor: principal.actor }));
  }
}
