import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { AolConfig } from '../config/aol-config';
import { DateTimeScalar } from './date-time.scalar';
import { createErrorFormatter } from './format-error';

/**
 * The GraphQL endpoint: code-first schema built in memory at start-up (`npm run schema`
 * writes it to schema.gql), queries and mutations over HTTP and subscriptions over the
 * graphql-ws protocol, both at /graphql; GraphiQL in the browser outside production.
 */
export function buildGraphqlOptions(config: AolConfig): ApolloDriverConfig {
  const development = config.nodeEnv !== 'production';
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
    subscriptions: { 'graphql-ws': { path: '/graphql' } },
    graphiql: development,
    playground: false,
    introspection: true,
    includeStacktraceInErrorResponses: development,
    autoTransformHttpErrors: false,
    formatError: createErrorFormatter({ exposeInternalErrors: development }),
  };
}
