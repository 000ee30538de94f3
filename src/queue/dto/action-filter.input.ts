import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsDate, IsEnum, IsOptional, ValidateNested } from 'class-validator';
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
}

@ArgsType()
export class ActionsArgs extends PageArgs {
  @Field(() => ActionFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ActionFilterInput)
  filter?: ActionFilterInput | null;
}
