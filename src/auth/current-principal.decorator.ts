import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Principal } from './principal';

/** The GraphQL context of both transports carries the authenticated principal. */
export interface PrincipalContext {
  principal: Principal;
}

/** The caller, as authenticated for this request or WebSocket connection. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => GqlExecutionContext.create(context).getContext<PrincipalContext>().principal,
);
