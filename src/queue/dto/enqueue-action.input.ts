import { Field, InputType } from '@nestjs/graphql';
import { IsDefined, IsEnum, IsString } from 'class-validator';
import { JsonScalar } from '../../graphql/json.scalar';
import { ActionType } from '../action-status';

/** Shape only; the queue service checks the key's form and the handler checks the payload. */
@InputType()
export class EnqueueActionInput {
  @Field(() => ActionType)
  @IsEnum(ActionType)
  type: ActionType;

  @Field({ description: 'Caller-chosen key (1-200 printable ASCII characters, no spaces): enqueueing the same key again returns the existing action.' })
  @IsString()
  idempotencyKey: string;

  @Field(() => JsonScalar, { description: 'The action\'s input; for POST_SOCIAL {"platform":"mastodon","text":"…","mediaUrls":["https://…"]}.' })
  @IsDefined({ message: 'payload is required' })
  payload: unknown;
}
