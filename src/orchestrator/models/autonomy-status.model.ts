import { Field, Float, ObjectType } from '@nestjs/graphql';
import { ControlFlagsModel } from '../../control/models/control-flags.model';
import { ExecutionMode } from '../../actions/execution-mode';
import { LeaseModel } from '../../lease/models/lease.model';
import { TickModel } from '../../ledger/models/tick.model';
import { QueueCountsModel } from '../../queue/models/queue-counts.model';
import type { AutonomyStatus } from '../autonomy-status.service';

@ObjectType('AutonomyStatus', { description: 'Everything an operator checks first: who leads, the switchboard, the last tick, the queue.' })
export class AutonomyStatusModel {
  @Field(() => LeaseModel)
  lease: LeaseModel;

  @Field(() => ControlFlagsModel)
  flags: ControlFlagsModel;

  @Field(() => TickModel, { nullable: true, description: 'The newest ledger row; null before the first tick.' })
  lastTick: TickModel | null;

  @Field(() => QueueCountsModel)
  queue: QueueCountsModel;

  @Field(() => Float, { nullable: true, description: 'Seconds the longest-waiting due action has been due; null when none is due.' })
  oldestDueAgeSeconds: number | null;

  @Field(() => ExecutionMode, { description: 'The mode the next action would run in.' })
  mode: ExecutionMode;

  @Field({ description: 'Why the mode is what it is.' })
  modeReason: string;

  @Field({ description: 'This instance (the one answering).' })
  instanceId: string;

  @Field({ description: 'Whether this instance holds the lease.' })
  leader: boolean;

  static from(status: AutonomyStatus): AutonomyStatusModel {
    return Object.assign(new AutonomyStatusModel(), {
      lease: LeaseModel.from(status.lease),
      flags: ControlFlagsModel.from(status.flags),
      lastTick: status.lastTick ? TickModel.from(status.lastTick) : null,
      queue: QueueCountsModel.from(status.queue),
      oldestDueAgeSeconds: status.oldestDueAgeSeconds,
      mode: status.mode.mode,
      modeReason: status.mode.reason,
      instanceId: status.instanceId,
      leader: status.leader,
    });
  }
}
