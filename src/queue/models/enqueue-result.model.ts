import { Field, ObjectType } from '@nestjs/graphql';
import { ActionModel } from './action.model';

@ObjectType('EnqueueResult')
export class EnqueueResultModel {
  @Field({ description: 'False when an action with this idempotency key already existed and is returned instead.' })
  created: boolean;

  @Field(() => ActionModel)
  action: ActionModel;
}
