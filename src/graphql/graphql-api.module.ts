import { Module } from '@nestjs/common';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { AuthService } from '../auth/auth.service';
import { AolConfig } from '../config/aol-config';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { buildGraphqlOptions } from './graphql-options';
import { GraphqlWsServer } from './graphql-ws.server';

@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [AolConfig, AuthService, RateLimitService],
      useFactory: buildGraphqlOptions,
    }),
  ],
  providers: [GraphqlWsServer],
})
export class GraphqlApiModule {}
