import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { execute, getOperationAST, GraphQLError, specifiedRules, subscribe } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, WebSocket } from 'ws';
import { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { AolConfig } from '../config/aol-config';
import { AolError } from '../errors/aol-error';
import { DocumentCache } from './document-cache';
import { createErrorFormatter } from './format-error';
import { GRAPHQL_PATH } from './graphql-options';
import { QueryLimitsRule } from './query-limits';

/** Largest WebSocket message accepted; bigger ones close the socket with 1009 (message too big). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

type ConnectionExtra = {
  socket: WebSocket;
  request: IncomingMessage;
  principal?: Principal;
};

function toGraphqlError(error: unknown): GraphQLError {
  if (error instanceof AolError) return new GraphQLError(error.message, { extensions: { code: error.code }, originalError: error });
  return error instanceof GraphQLError ? error : new GraphQLError(String(error));
}

/**
 * Subscriptions (and any operation) over the graphql-ws protocol at /graphql. Served here
 * rather than through Apollo, because Apollo's plugins never see the WebSocket: the token is
 * checked in onConnect (a bad or missing one closes the socket with 4403), and every operation
 * passes the same query limits and role check as on HTTP before it runs (parsed and validated
 * once per query text, as Apollo does on HTTP).
 */
@Injectable()
export class GraphqlWsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GraphqlWsServer.name);
  private disposable: Disposable | null = null;
  private readonly formatError: ReturnType<typeof createErrorFormatter>;

  constructor(
    private readonly httpAdapterHost: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly auth: AuthService,
    config: AolConfig,
  ) {
    this.formatError = createErrorFormatter({ exposeInternalErrors: config.nodeEnv !== 'production' });
  }

  onApplicationBootstrap(): void {
    const httpServer = this.httpAdapterHost.httpAdapter?.getHttpServer();
    if (!httpServer) return; // no HTTP server (CLI)
    const server = new WebSocketServer({ noServer: true, path: GRAPHQL_PATH, maxPayload: MAX_WS_MESSAGE_BYTES });
    const schema = this.schemaHost.schema;
    const documents = new DocumentCache(schema, [...specifiedRules, QueryLimitsRule]);
    this.disposable = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
      {
        schema,
        execute,
        subscribe,
        onConnect: (ctx) => {
          try {
            const params = ctx.connectionParams ?? {};
            ctx.extra.principal = this.auth.authenticate(params.authorization ?? params.Authorization, params.actor);
            return true;
          } catch {
            return false; // graphql-ws closes with 4403 Forbidden
          }
        },
        onSubscribe: (ctx, _id, payload) => {
          const { document, errors } = documents.check(payload.query);
          if (errors) return [...errors];
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) return [new GraphQLError('Name the operation to run', { extensions: { code: 'BAD_USER_INPUT' } })];
          try {
            this.auth.authorize(ctx.extra.principal!, operation.operation);
          } catch (error) {
            return [toGraphqlError(error)];
          }
          return {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: { principal: ctx.extra.principal, req: ctx.extra.request },
          };
        },
        onNext: (_ctx, _id, _payload, _args, result) =>
          result.errors ? { ...result, errors: result.errors.map((error) => this.formatError(error.toJSON(), error)) } : undefined,
        onError: (_ctx, _id, _payload, errors) => errors.map((error) => this.formatError(error.toJSON(), error)),
      },
      server,
    );
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(request.url ?? '/', 'http://localhost').pathname !== GRAPHQL_PATH) return;
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
    });
    this.logger.log(`graphql-ws subscriptions at ${GRAPHQL_PATH}`);
  }

  /** Closes every socket (1001, going away) and the WebSocket server itself. */
  async onApplicationShutdown(): Promise<void> {
    await this.disposable?.dispose();
  }
}
