import { Query, Resolver } from '@nestjs/graphql';
import { ControlFlagsModel } from '../control/models/control-flags.model';
import { LeaseModel } from '../lease/models/lease.model';
import { TickModel } from '../ledger/models/tick.model';
import { QueueCountsModel } from '../queue/models/queue-counts.model';
import { AutonomyStatusService } from './autonomy-status.service';
import { AutonomyStatusModel } from './models/autonomy-status.model';

@Resolver(() => AutonomyStatusModel)
export class AutonomyStatusResolver {
  constructor(private readonly autonomy: AutonomyStatusService) {}

  @Query(() => AutonomyStatusModel, { description: 'Lease, switchboard, last tick and queue counts in one answer.' })
  async autonomyStatus(): Promise<AutonomyStatusModel> {
    const status = await this.autonomy.status();
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
