import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsDate, IsEnum, IsOptional, Matches, ValidateNested } from 'class-validator';
import { PageArgs } from '../../graphql/pagination';
import { ActionStatus, ActionType } from '../../actions/action-status';

@InputType()
export class ActionFilterInput {
  @Field(() => ActionStatus, { nullable: true })
  @IsOptional()
  @IsEnum(ActionStatus)
  status?: ActionStatus | null;

  @Field(() => ActionType, { nullable: true })
  @IsOptional()
  @IsEnum(ActionType)
  type?: ActionType | null;

  @Field(() => Date, { nullable: true, description: 'Created at or after this time.' })
  @IsOptional()
  @IsDate()
  createdAfter?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Created before this time.' })
  @IsOptional()
  @IsDate()
  createdBefore?: Date | null;

  @Field(() => String, { nullable: true, description: 'The action enqueued with this idempotency key.' })
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'idempotencyKey must be 1 to 200 printable ASCII characters without spaces' })
  idempotencyKey?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Actions whose last attempt failed with this code (lastErrorCode), e.g. RATE_LIMITED.',
  })
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,100}$/, { message: 'errorCode must be 1 to 100 printable ASCII characters without spaces' })
  errorCode?: string | null;
}

@ArgsType()
export class ActionsArgs extends PageArgs {
  @Field(() => ActionFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ActionFilterInput)
  filter?: ActionFilterInput | null;
}
