import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { QueueCounts } from '../queue.service';

@ObjectType('QueueCounts', { description: 'Number of actions in each status.' })
export class QueueCountsModel {
  @Field(() => Int) pending: number;
  @Field(() => Int) running: number;
  @Field(() => Int) retry: number;
  @Field(() => Int) dlq: number;
  @Field(() => Int) success: number;
  @Field(() => Int) cancelled: number;
  @Field(() => Int) needsReview: number;
  @Field(() => Int) awaitingApproval: number;
  @Field(() => Int) rejected: number;

  static from(counts: QueueCounts): QueueCountsModel {
    return Object.assign(new QueueCountsModel(), {
      pending: counts.PENDING,
      running: counts.RUNNING,
      retry: counts.RETRY,
      dlq: counts.DLQ,
      success: counts.SUCCESS,
      cancelled: counts.CANCELLED,
      needsReview: counts.NEEDS_REVIEW,
      awaitingApproval: counts.AWAITING_APPROVAL,
      rejected: counts.REJECTED,
    });
  }
}
