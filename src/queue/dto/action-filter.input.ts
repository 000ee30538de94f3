import { Field, InputType } from '@nestjs/graphql';
import { IsDate, IsEnum, IsOptional } from 'class-validator';
import { ActionStatus, ActionType } from '../action-status';

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
}
