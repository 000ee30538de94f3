import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { BulkChangeOutcome } from '../action-operations.service';

@ObjectType('BulkChange', { description: 'What a bulk retry or cancel did.' })
export class BulkChangeModel {
  @Field(() => Int, { description: 'Actions this call changed.' })
  changed: number;

  @Field(() => Int, { description: 'Actions the filter still matches: call again for them.' })
  remaining: number;

  @Field(() => ID, { description: 'The control event that records the change (its details: the filter, the limit, the count).' })
  eventId: string;

  static from(outcome: BulkChangeOutcome): BulkChangeModel {
    return Object.assign(new BulkChangeModel(), { ...outcome, eventId: String(outcome.eventId) });
  }
}
