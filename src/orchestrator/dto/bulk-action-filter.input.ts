import { Field, InputType, PickType } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsString } from 'class-validator';
import { ActionStatus } from '../../actions/action-status';
import { ActionFilterInput } from '../../queue/dto/action-filter.input';

@InputType({ description: 'The actions a bulk retry or cancel applies to.' })
export class BulkActionFilterInput extends PickType(ActionFilterInput, ['type', 'createdAfter', 'createdBefore'] as const, InputType) {
  @Field(() => ActionStatus, { description: 'DLQ or NEEDS_REVIEW.' })
  @IsEnum(ActionStatus)
  status: ActionStatus;

  @Field(() => String, { nullable: true, description: 'Only actions whose last error has this code (lastErrorCode).' })
  @IsOptional()
  @IsString()
  errorCode?: string | null;
}
