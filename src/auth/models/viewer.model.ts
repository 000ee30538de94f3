import { Field, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Principal, Role } from '../principal';

registerEnumType(Role, { name: 'Role', description: 'OPERATOR may do everything; VIEWER may run queries and subscriptions only.' });

@ObjectType('Viewer', { description: 'The caller, as the API sees them.' })
export class ViewerModel {
  @Field(() => Role, { description: 'What the token allows.' })
  role: Role;

  @Field({ description: 'The name changes are recorded under, e.g. operator:alice.' })
  actor: string;

  @Field({ description: 'False when no token is configured: the API is open to anyone who reaches it.' })
  authenticationRequired: boolean;

  static from(principal: Principal, authenticationRequired: boolean): ViewerModel {
    return Object.assign(new ViewerModel(), { role: principal.role, actor: principal.actor, authenticationRequired });
  }
}
