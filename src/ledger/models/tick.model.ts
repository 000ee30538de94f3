import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Connection } from '../../graphql/pagination';
import { TickOutcome } from '../tick-outcome';
import type { TickEntity } from '../tick.entity';

registerEnumType(TickOutcome, { name: 'TickOutcome' });

@ObjectType('Tick', { description: 'One tick of the leader, from the ledger.' })
export class TickModel {
  @Field(() => ID)
  id: string;

  @Field({ description: 'Instance that ran it.' })
  owner: string;

  @Field(() => Int, { description: 'Lease epoch it ran under.' })
  epoch: number;

  @Field()
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  @Field(() => Int, { nullable: true })
  durationMs: number | null;

  @Field(() => TickOutcome)
  outcome: TickOutcome;

  @Field(() => Int)
  attempted: number;

  @Field(() => Int)
  succeeded: number;

  @Field(() => Int)
  failed: number;

  @Field(() => Int, { description: 'Failed attempts that will be retried.' })
  retried: number;

  @Field(() => Int, { description: 'Failed attempts that sent their action to the DLQ.' })
  deadLettered: number;

  @Field(() => String, { nullable: true })
  note: string | null;

  static from(tick: TickEntity): TickModel {
    return Object.assign(new TickModel(), {
      ...tick,
      id: String(tick.id),
      finishedAt: tick.finishedAt ?? null,
      durationMs: tick.durationMs ?? null,
      note: tick.note ?? null,
    });
  }
}

@ObjectType('TickConnection')
export class TickConnection extends Connection(TickModel, 'Tick') {}
