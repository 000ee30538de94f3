import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ControlChange, ControlService } from './control.service';
import { ControlFlagsModel } from './models/control-flags.model';

/** Until callers are authenticated, changes are attributed to the interface they came through. */
const GRAPHQL_ACTOR = 'graphql';

function change(reason: string): ControlChange {
  return { reason, actor: GRAPHQL_ACTOR };
}

@Resolver(() => ControlFlagsModel)
export class ControlResolver {
  constructor(private readonly control: ControlService) {}

  @Query(() => ControlFlagsModel)
  async controlFlags(): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.flags());
  }

  @Mutation(() => ControlFlagsModel, { description: 'Stop starting actions until resumed.' })
  async pause(@Args('reason') reason: string): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.pause(change(reason)));
  }

  @Mutation(() => ControlFlagsModel)
  async resume(@Args('reason', { nullable: true }) reason?: string): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.resume(change(reason ?? 'resumed')));
  }

  @Mutation(() => ControlFlagsModel, { description: 'Stop everything and give up the lease until revived.' })
  async kill(@Args('reason') reason: string): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.kill(change(reason)));
  }

  @Mutation(() => ControlFlagsModel)
  async revive(@Args('reason', { nullable: true }) reason?: string): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.revive(change(reason ?? 'revived')));
  }

  @Mutation(() => ControlFlagsModel, { description: 'Switch PROOF mode on or off (off needs AOL_PROOF_MODE=0).' })
  async setProofMode(
    @Args('enabled') enabled: boolean,
    @Args('reason', { nullable: true }) reason?: string,
  ): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.setProofMode(enabled, change(reason ?? (enabled ? 'proof mode on' : 'proof mode off'))));
  }
}
