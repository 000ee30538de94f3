import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JsonScalar } from '../../graphql/json.scalar';
import { Connection } from '../../graphql/pagination';
import { ControlEventEntity, ControlEventKind } from '../control-event.entity';

registerEnumType(ControlEventKind, { name: 'ControlEventKind' });

@ObjectType('ControlEvent', { description: 'One operator intervention: what, who, why, when.' })
export class ControlEventModel {
  @Field(() => ID)
  id: string;

  @Field(() => ControlEventKind)
  kind: ControlEventKind;

  @Field()
  actor: string;

  @Field()
  reason: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The action it concerned (cancel, retry, approve, reject, resolve); null for switchboard and bulk changes.',
  })
  actionId: string | null;

  @Field(() => JsonScalar, {
    nullable: true,
    description: 'What changed, e.g. {"paused": true}; for a bulk change its filter, limit and count.',
  })
  details: Record<string, unknown> | null;

  @Field()
  createdAt: Date;

  static from(event: ControlEventEntity): ControlEventModel {
    return Object.assign(new ControlEventModel(), {
      ...event,
      id: String(event.id),
      actionId: event.actionId === null || event.actionId === undefined ? null : String(event.actionId),
      details: event.details ?? null,
    });
  }
}

@ObjectType('ControlEventConnection')
export class ControlEventConnection extends Connection(ControlEventModel, 'ControlEvent') {}
