import { Module } from '@nestjs/common';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { AolConfig } from '../config/aol-config';
import { buildGraphqlOptions } from './graphql-options';

@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [AolConfig],
      useFactory: buildGraphqlOptions,
    }),
  ],
})
export class GraphqlApiModule {}
