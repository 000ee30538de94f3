import { Query, Resolver } from '@nestjs/graphql';
import { AuthService } from './auth.service';
import { CurrentPrincipal } from './current-principal.decorator';
import type { Principal } from './principal';
import { ViewerModel } from './models/viewer.model';

@Resolver(() => ViewerModel)
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Query(() => ViewerModel, { description: 'Who is calling: the role their token grants and the name their changes are recorded under.' })
  viewer(@CurrentPrincipal() principal: Principal): ViewerModel {
    return ViewerModel.from(principal, !this.auth.open);
  }
}
