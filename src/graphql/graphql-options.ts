import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth.service';
import type { PrincipalContext } from '../auth/current-principal.decorator';
import type { AolConfig } from '../config/aol-config';
import type { RateLimitService } from '../rate-limit/rate-limit.service';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { DateTimeScalar } from './date-time.scalar';
import { createErrorFormatter, toRequestError } from './format-error';
import { graphqlLandingPage } from './graphql-landing-page';
import { assertDocumentNesting, introspects, QueryLimitsRule } from './query-limits';
import { GRAPHQL_PATH } from './graphql-path';
import { admitHttpCaller } from './request-guard';

/** The query text of a GET or POST request, as Apollo will read it. */
function queryText(request: FastifyRequest): string {
  const query = ((request.method === 'GET' ? request.query : request.body) as { query?: unknown } | null)?.query;
  return typeof query === 'string' ? query : '';
}

/**
 * Once the operation is known, before it runs: the caller's role (mutations and
 * introspection) and the transport (subscriptions are served over the WebSocket only).
 */
function requestChecksPlugin(auth: AuthService): ApolloServerPlugin<PrincipalContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          try {
            if (!operation) return;
            if (operation.operation === 'subscription') {
              throw new AolError(
                AolErrorCode.BAD_REQUEST,
                `Subscriptions are served over WebSocket (graphql-ws) at ${GRAPHQL_PATH}, not HTTP`,
              );
            }
            auth.authorize(contextValue.principal, operation.operation, introspects(document, operation));
          } catch (error) {
            throw toRequestError(error);
          }
        },
      };
    },
  };
}

/**
 * The HTTP side of the GraphQL endpoint (subscriptions are served by GraphqlWsServer): the
 * code-first schema built in memory (`npm run schema` writes schema.gql), the caller admitted
 * by the request guard (token, rate limits) before the body is read, the query limits as
 * validation rules, the role check before execution, Apollo's CSRF prevention (and no
 * cache-control hints), errors mapped to codes by the one formatter, and GraphiQL (or a page saying how to turn it on) for browsers.
 */
export function buildGraphqlOptions(config: AolConfig, auth: AuthService, limits: RateLimitService): ApolloDriverConfig {
  const development = config.nodeEnv !== 'production';
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
    playground: false,
    graphiql: false,
    plugins: [
      requestChecksPlugin(auth),
      // No HTTP caching of an operator API; without it Apollo does not wrap every field's resolver.
      ApolloServerPluginCacheControlDisabled(),
      graphqlLandingPage(config.graphiql),
    ],
    // Who may introspect is decided per caller (AOL_INTROSPECTION), in requestChecksPlugin.
    introspection: true,
    csrfPrevention: true,
    validationRules: [QueryLimitsRule],
    includeStacktraceInErrorResponses: development,
    autoTransformHttpErrors: false,
    formatError: createErrorFormatter({ exposeInternalErrors: development, hideSchemaDetails: !development }),
    // Apollo's Fastify integration passes the request itself; the guard has admitted it already
    // unless it carries no body (a GET). The document's nesting is checked here, before Apollo
    // parses it (an error thrown from a plugin's hooks at that stage would be an internal one).
    context: (request: FastifyRequest): PrincipalContext => {
      try {
        const principal = request.aolPrincipal ?? admitHttpCaller(auth, limits, request);
        assertDocumentNesting(queryText(request));
        return { principal };
      } catch (error) {
        throw toRequestError(error);
      }
    },
  };
}
