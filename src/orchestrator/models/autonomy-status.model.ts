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

  @Field(() => ExecutionMode, {
    description:
      "The mode the next action would run in: the switchboard under the leader's deployment gate (AOL_PROOF_MODE), " +
      "the last leader's while nobody leads, the answering instance's before any instance led.",
  })
  mode: ExecutionMode;

  @Field({ description: 'Why the mode is what it is.' })
  modeReason: string;

  @Field(() => String, { nullable: true, description: 'The instance holding the lease; null while nobody does.' })
  leaderInstanceId: string | null;

  @Field(() => ExecutionMode, { nullable: true, description: 'The mode the current leader runs actions in; null while nobody leads.' })
  leaderMode: ExecutionMode | null;

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
      leaderInstanceId: status.leaderInstanceId,
      leaderMode: status.leaderMode?.mode ?? null,
      instanceId: status.instanceId,
      leader: status.leader,
    });
  }
}
