import { Args, ID, Int, Mutation, Parent, registerEnumType, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseId, ParseIdPipe } from '../graphql/id.pipe';
import { PageArgs, toConnection, toPageRequest } from '../graphql/pagination';
import { LedgerService } from '../ledger/ledger.service';
import { ExecutionLogConnection, ExecutionLogModel } from '../ledger/models/execution-log.model';
import { ActionModel } from '../queue/models/action.model';
import { MAX_BATCH_SIZE, ReviewOutcome } from '../queue/queue.service';
import { ActionOperationsService, MAX_BULK_ACTIONS } from './action-operations.service';
import { BulkActionFilterInput } from './dto/bulk-action-filter.input';
import { BulkOutcomeModel, ReconciliationModel } from './models/action-operations.model';
import { BulkChangeModel } from './models/bulk-change.model';

registerEnumType(ReviewOutcome, { name: 'ReviewOutcome', description: 'What a person found about a post whose outcome was unknown.' });

const REASON = { description: 'Why: kept with the change in the control events.' };
const IDS = { type: () => [ID], description: `1 to ${MAX_BATCH_SIZE} action ids; each gets its own answer.` };
const LIMIT = {
  type: () => Int,
  defaultValue: MAX_BULK_ACTIONS,
  description: `At most this many actions (1 to ${MAX_BULK_ACTIONS}); \`remaining\` says how many the filter still matches.`,
};

/** Where the queue meets the ledger and the switchboard: an action's attempts, and an operator's changes to it. */
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

  @Mutation(() => ActionModel, {
    description: 'Cancel an action that is neither running nor finished (PENDING, RETRY, AWAITING_APPROVAL, NEEDS_REVIEW or DLQ).',
  })
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

  @Mutation(() => ActionModel, {
    description:
      "Allow an AWAITING_APPROVAL action to run, as its payload is now: the approval binds to the payload's SHA-256, and a changed payload is not run (APPROVAL_STALE).",
  })
  async approveAction(
    @Args('id', { type: () => ID }, ParseIdPipe) id: number,
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ActionModel> {
    return ActionModel.from(await this.operations.approve(id, { reason, actor: principal.actor }));
  }

  @Mutation(() => ActionModel, { description: 'End an AWAITING_APPROVAL action as REJECTED: it never runs.' })
  async rejectAction(
    @Args('id', { type: () => ID }, ParseIdPipe) id: number,
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ActionModel> {
    return ActionModel.from(await this.operations.reject(id, { reason, actor: principal.actor }));
  }

  @Mutation(() => [BulkOutcomeModel], { description: 'approveAction for each id, in order, each on its own.' })
  async approveActions(
    @Args('ids', IDS) ids: string[],
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkOutcomeModel[]> {
    return (await this.operations.approveMany(toIds(ids), { reason, actor: principal.actor })).map(BulkOutcomeModel.from);
  }

  @Mutation(() => [BulkOutcomeModel], { description: 'rejectAction for each id, in order, each on its own.' })
  async rejectActions(
    @Args('ids', IDS) ids: string[],
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkOutcomeModel[]> {
    return (await this.operations.rejectMany(toIds(ids), { reason, actor: principal.actor })).map(BulkOutcomeModel.from);
  }

  @Mutation(() => ActionModel, {
    description:
      "Settle a NEEDS_REVIEW action by what you found, without running it again: POSTED ends it SUCCESS with the post's address; NOT_POSTED sends it back to the queue (AWAITING_APPROVAL when the policy wants an approval it lacks).",
  })
  async resolveAction(
    @Args('id', { type: () => ID }, ParseIdPipe) id: number,
    @Args('outcome', { type: () => ReviewOutcome }) outcome: ReviewOutcome,
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
    @Args('remoteUrl', { type: () => String, nullable: true, description: "With POSTED: the post's http(s) address." })
    remoteUrl?: string | null,
    @Args('remoteId', { type: () => String, nullable: true, description: "With POSTED: the network's id of the post." })
    remoteId?: string | null,
  ): Promise<ActionModel> {
    return ActionModel.from(await this.operations.resolve(id, { outcome, remoteUrl, remoteId }, { reason, actor: principal.actor }));
  }

  @Mutation(() => ReconciliationModel, {
    description:
      "Look a NEEDS_REVIEW action's post up on its network (Mastodon: the account's 40 most recent statuses, by text) and, when found, resolve it POSTED. Not found changes nothing.",
  })
  async reconcileAction(
    @Args('id', { type: () => ID }, ParseIdPipe) id: number,
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReconciliationModel> {
    const { found, checked, action } = await this.operations.reconcile(id, { reason, actor: principal.actor });
    return { found, checked, action: ActionModel.from(action) };
  }
}

function toIds(ids: readonly string[]): number[] {
  return ids.map((id, index) => parseId(id, `ids[${index}]`));
}
