import { Field, ObjectType } from '@nestjs/graphql';
import type { ControlFlags } from '../control.service';

@ObjectType('ControlFlags', { description: 'The switchboard every tick reads.' })
export class ControlFlagsModel {
  @Field({ description: 'No new actions start while paused.' })
  paused: boolean;

  @Field({ description: 'Nothing runs and no instance leads until revived.' })
  killed: boolean;

  @Field({ description: "The operator's switch: true keeps every run in PROOF mode." })
  proofMode: boolean;

  @Field(() => String, { nullable: true, description: 'Why the last change was made.' })
  reason: string | null;

  @Field(() => String, { nullable: true, description: 'Who made the last change.' })
  updatedBy: string | null;

  @Field()
  updatedAt: Date;

  static from(flags: ControlFlags): ControlFlagsModel {
    return Object.assign(new ControlFlagsModel(), flags);
  }
}
