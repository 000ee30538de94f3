import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLError } from 'graphql';
import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth.service';
import type { PrincipalContext } from '../auth/current-principal.decorator';
import type { AolConfig } from '../config/aol-config';
import { AolError } from '../errors/aol-error';
import { DateTimeScalar } from './date-time.scalar';
import { createErrorFormatter } from './format-error';
import { graphqlLandingPage } from './graphql-landing-page';
import { QueryLimitsRule } from './query-limits';

export const GRAPHQL_PATH = '/graphql';

const HTTP_STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 };

/** An AolError as Apollo expects a request-level error: code and HTTP status in the extensions. */
function requestError(error: unknown): unknown {
  if (!(error instanceof AolError)) return error;
  return new GraphQLError(error.message, {
    extensions: { code: error.code, http: { status: HTTP_STATUS[error.code] ?? 400 } },
    originalError: error,
  });
}

/** Mutations need the operator's token: checked once the operation is known, before it runs. */
function authorizationPlugin(auth: AuthService): ApolloServerPlugin<PrincipalContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          try {
            if (operation) auth.authorize(contextValue.principal, operation.operation);
          } catch (error) {
            throw requestError(error);
          }
        },
      };
    },
  };
}

/**
 * The HTTP side of the GraphQL endpoint (subscriptions are served by GraphqlWsServer): the
 * code-first schema built in memory (`npm run schema` writes schema.gql), bearer-token
 * authentication in the context, the query limits as validation rules, the role check before
 * execution, Apollo's CSRF prevention (and no cache-control hints), errors mapped to codes, and GraphiQL (or a page saying how to turn it on) for browsers.
 */
export function buildGraphqlOptions(config: AolConfig, auth: AuthService): ApolloDriverConfig {
  const development = config.nodeEnv !== 'production';
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
    playground: false,
    graphiql: false,
    plugins: [
      authorizationPlugin(auth),
      // No HTTP caching of an operator API; without it Apollo does not wrap every field's resolver.
      ApolloServerPluginCacheControlDisabled(),
      graphqlLandingPage(config.graphiql),
    ],
    introspection: true,
    csrfPrevention: true,
    validationRules: [QueryLimitsRule],
    includeStacktraceInErrorResponses: development,
    autoTransformHttpErrors: false,
    formatError: createErrorFormatter({ exposeInternalErrors: development }),
    // Apollo's Fastify integration passes the request itself.
    context: (request: FastifyRequest): PrincipalContext => {
      try {
        return { principal: auth.authenticate(request.headers.authorization, request.headers['x-aol-actor']) };
      } catch (error) {
        throw requestError(error);
      }
    },
  };
}
