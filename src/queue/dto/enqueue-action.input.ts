import { Field, InputType, Int } from '@nestjs/graphql';
import { JsonScalar } from '../../graphql/json.scalar';
import { ActionType } from '../../actions/action-status';

/**
 * Shape only, checked by GraphQL; the queue service checks the key, the priority, the time and
 * the payload (the resolvers take it as the service's EnqueueRequest, so no pipe validates it again).
 */
@InputType()
export class EnqueueActionInput {
  @Field(() => ActionType)
  type: ActionType;

  @Field({
    description:
      'Caller-chosen key (1-200 printable ASCII characters, no spaces): enqueueing the same key again returns the existing action.',
  })
  idempotencyKey: string;

  @Field(() => JsonScalar, {
    description: 'The action\'s input; for POST_SOCIAL {"platform":"mastodon","text":"…","mediaUrls":["https://…"]}.',
  })
  payload: unknown;

  @Field(() => Int, { nullable: true, description: 'Higher runs first among due actions (-1000 to 1000, default 0).' })
  priority?: number | null;

  @Field(() => Date, { nullable: true, description: 'Not before this time (at most a year ahead); default: now.' })
  runAfter?: Date | null;
}
