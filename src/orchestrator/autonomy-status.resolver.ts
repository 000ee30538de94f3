import { Query, Resolver } from '@nestjs/graphql';
import { AutonomyStatusService } from './autonomy-status.service';
import { AutonomyStatusModel } from './models/autonomy-status.model';

@Resolver(() => AutonomyStatusModel)
export class AutonomyStatusResolver {
  constructor(private readonly autonomy: AutonomyStatusService) {}

  @Query(() => AutonomyStatusModel, { description: 'Lease, switchboard, last tick and queue counts in one answer.' })
  async autonomyStatus(): Promise<AutonomyStatusModel> {
    return AutonomyStatusModel.from(await this.autonomy.status());
  }
}
