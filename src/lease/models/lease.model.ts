import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import type { LeaseState } from '../lease.service';

@ObjectType('Lease', { description: "The orchestrator's leadership lease." })
export class LeaseModel {
  @Field(() => String, { nullable: true, description: 'Instance holding the lease; null when nobody does.' })
  owner: string | null;

  @Field(() => Int, { description: 'Fencing token: grows on every change of owner.' })
  epoch: number;

  @Field(() => Date, { nullable: true })
  acquiredAt: Date | null;

  @Field(() => Date, { nullable: true })
  renewedAt: Date | null;

  @Field()
  expiresAt: Date;

  @Field(() => Float, { description: 'Seconds until expiry by the database clock; 0 when not held.' })
  expiresInSeconds: number;

  static from(lease: LeaseState): LeaseModel {
    return Object.assign(new LeaseModel(), lease);
  }
}
