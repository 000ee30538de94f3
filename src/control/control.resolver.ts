import { Inject } from '@nestjs/common';
import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AolTopic, EVENT_BUS, EventBus } from '../events/event-bus';
import { PageArgs, toConnection, toPageRequest } from '../graphql/pagination';
import type { ControlFlags } from './control-flags';
import { ControlService } from './control.service';
import { ControlEventConnection, ControlEventModel } from './models/control-event.model';
import { ControlFlagsModel } from './models/control-flags.model';

const REASON = { description: 'Why: kept with the change in the control events.' };

@Resolver(() => ControlFlagsModel)
export class ControlResolver {
  constructor(
    private readonly control: ControlService,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}

  @Query(() => ControlFlagsModel, { description: 'The switchboard.' })
  async controlFlags(): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.flags());
  }

  @Query(() => ControlEventConnection, { description: 'Operator interventions, newest first.' })
  async controlEvents(@Args() page: PageArgs): Promise<ControlEventConnection> {
    return toConnection(await this.control.listEvents(toPageRequest(page)), ControlEventModel.from, () => this.control.countEvents());
  }

  @Mutation(() => ControlFlagsModel, { description: 'Stop starting actions until resumed.' })
  async pause(@Args('reason', REASON) reason: string, @CurrentPrincipal() principal: Principal): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.pause({ reason, actor: principal.actor }));
  }

  @Mutation(() => ControlFlagsModel, { description: 'Start actions again.' })
  async resume(@Args('reason', REASON) reason: string, @CurrentPrincipal() principal: Principal): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.resume({ reason, actor: principal.actor }));
  }

  @Mutation(() => ControlFlagsModel, { description: 'Stop everything and give up the lease until revived.' })
  async kill(@Args('reason', REASON) reason: string, @CurrentPrincipal() principal: Principal): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.kill({ reason, actor: principal.actor }));
  }

  @Mutation(() => ControlFlagsModel, { description: 'Undo a kill: the next tick may lead and run again.' })
  async revive(@Args('reason', REASON) reason: string, @CurrentPrincipal() principal: Principal): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.revive({ reason, actor: principal.actor }));
  }

  @Mutation(() => ControlFlagsModel, { description: 'Switch PROOF mode on or off (off needs AOL_PROOF_MODE=0).' })
  async setProofMode(
    @Args('enabled') enabled: boolean,
    @Args('reason', REASON) reason: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ControlFlagsModel> {
    return ControlFlagsModel.from(await this.control.setProofMode(enabled, { reason, actor: principal.actor }));
  }

  @Subscription(() => ControlFlagsModel, {
    description: 'Every change of the switchboard.',
    resolve: (flags: ControlFlags) => ControlFlagsModel.from(flags),
  })
  controlFlagsChanged(): AsyncIterableIterator<ControlFlags> {
    return this.events.subscribe<ControlFlags>(AolTopic.CONTROL_FLAGS_CHANGED);
  }
}
