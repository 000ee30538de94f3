import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ActionModel } from '../../queue/models/action.model';
import type { BulkOutcome } from '../action-operations.service';

@ObjectType('BulkActionError', { description: 'Why one id of a bulk change was not changed.' })
export class BulkActionErrorModel {
  @Field({ description: 'NOT_FOUND, INVALID_STATE, …' })
  code: string;

  @Field()
  message: string;
}

@ObjectType('BulkActionOutcome', { description: 'One id of a bulk change: the action as changed, or the error.' })
export class BulkOutcomeModel {
  @Field(() => ID)
  id: string;

  @Field(() => ActionModel, { nullable: true })
  action: ActionModel | null;

  @Field(() => BulkActionErrorModel, { nullable: true })
  error: BulkActionErrorModel | null;

  static from(outcome: BulkOutcome): BulkOutcomeModel {
    return Object.assign(new BulkOutcomeModel(), {
      id: String(outcome.id),
      action: outcome.action && ActionModel.from(outcome.action),
      error: outcome.error,
    });
  }
}

@ObjectType('Reconciliation', { description: 'What reconcileAction found.' })
export class ReconciliationModel {
  @Field({ description: 'Whether the post was found (the action is then SUCCESS); false changes nothing.' })
  found: boolean;

  @Field({ description: 'What was searched, e.g. "the 40 most recent statuses of @aol".' })
  checked: string;

  @Field(() => ActionModel)
  action: ActionModel;
}
