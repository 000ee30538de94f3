import { Field, ObjectType } from '@nestjs/graphql';
import type { ControlFlags } from '../control-flags';

@ObjectType('ControlFlags', { description: 'The switchboard every tick reads.' })
export class ControlFlagsModel {
  @Field({ description: 'No new actions start while paused.' })
  paused: boolean;

  @Field({ description: 'Nothing runs and no instance leads until revived.' })
  killed: boolean;

  @Field({ description: "The operator's switch: true keeps every run in PROOF mode." })
  proofMode: boolean;

  @Field(() => String, { nullable: true, description: 'Why the last change of any switch was made.' })
  reason: string | null;

  @Field(() => String, { nullable: true, description: 'Who made the last change of any switch.' })
  updatedBy: string | null;

  @Field({ description: 'When the last change of any switch was made.' })
  updatedAt: Date;

  @Field(() => String, { nullable: true, description: 'Why the pause switch was last set (pause or resume); null if never.' })
  pausedReason: string | null;

  @Field(() => String, { nullable: true, description: 'Who last set the pause switch.' })
  pausedBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When the pause switch was last set.' })
  pausedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the kill switch was last set (kill or revive); null if never.' })
  killedReason: string | null;

  @Field(() => String, { nullable: true, description: 'Who last set the kill switch.' })
  killedBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When the kill switch was last set.' })
  killedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the proof-mode switch was last set; null if never.' })
  proofModeReason: string | null;

  @Field(() => String, { nullable: true, description: 'Who last set the proof-mode switch.' })
  proofModeBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When the proof-mode switch was last set.' })
  proofModeAt: Date | null;

  static from(flags: ControlFlags): ControlFlagsModel {
    return Object.assign(new ControlFlagsModel(), flags);
  }
}
