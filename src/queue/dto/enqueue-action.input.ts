import { Field, InputType, Int } from '@nestjs/graphql';
import { IsDate, IsDefined, IsEnum, IsInt, IsOptional, IsString } from 'class-validator';
import { JsonScalar } from '../../graphql/json.scalar';
import { ActionType } from '../action-status';

/** Shape only; the queue service checks the key, the priority, the time and the payload. */
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

  @Field(() => Int, { nullable: true, description: 'Higher runs first among due actions (-1000 to 1000, default 0).' })
  @IsOptional()
  @IsInt()
  priority?: number | null;

  @Field(() => Date, { nullable: true, description: 'Not before this time (at most a year ahead); default: now.' })
  @IsOptional()
  @IsDate()
  runAfter?: Date | null;
}
