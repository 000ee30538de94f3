import { Query, Resolver } from '@nestjs/graphql';
import { LeaseModel } from './models/lease.model';
import { LeaseService } from './lease.service';

@Resolver(() => LeaseModel)
export class LeaseResolver {
  constructor(private readonly leases: LeaseService) {}

  @Query(() => LeaseModel, { description: "The orchestrator's leadership lease." })
  async lease(): Promise<LeaseModel> {
    return LeaseModel.from(await this.leases.current());
  }
}
