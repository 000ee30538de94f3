import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { execute, getOperationAST, GraphQLError, specifiedRules, subscribe } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer, type ServerOptions } from 'graphql-ws';
import { PinoLogger } from 'nestjs-pino';
import { WebSocket, WebSocketServer } from 'ws';
import { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { AolConfig } from '../config/aol-config';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { requestIdOf } from '../logging/request-id';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { DocumentCache } from './document-cache';
import { createErrorFormatter } from './format-error';
import { GRAPHQL_PATH, isGraphqlPath } from './graphql-path';
import { chooseProtocol, fromLegacy, LEGACY_KEEP_ALIVE, LEGACY_PROTOCOL, legacyConnectionError, toLegacy } from './legacy-ws-protocol';
import { introspects, QueryLimitsRule } from './query-limits';

/** Largest WebSocket message accepted; bigger ones close the socket with 1009 (message too big). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

/** A socket that has not answered a ping within this long is gone (graphql-ws's own default). */
const KEEP_ALIVE_MS = 12_000;
/** After a 1013 close, how long a reader that is not reading keeps its socket before it is cut. */
const DROP_GRACE_MS = 1_000;
/** How long a shutdown waits for peers to answer the close before cutting them. */
const SHUTDOWN_CLOSE_MS = 1_000;
/** Messages read from one socket and not yet handled, before the socket is no longer read. */
const MAX_PENDING_MESSAGES = 64;
/** graphql-ws's code for a refusal that may pass later; ours for every rate limit. */
const CLOSE_RATE_LIMITED = 4429;
/** RFC 6455 "try again later": the server will not hold more bytes for this reader. */
const CLOSE_TRY_AGAIN_LATER = 1013;

/** What one socket carries from its upgrade to its close. */
interface Connection {
  socket: WebSocket;
  request: IncomingMessage;
  address: string;
  /** On every line logged while serving its messages, as a request id is for an HTTP request. */
  requestId: string;
  /** Whom its messages are counted against: the address until it authenticates, then its token. */
  rateKey: string;
  principal?: Principal;
  /** Why connection_init was refused, for the legacy protocol's connection_error. */
  refusal?: string;
}

type GraphqlWsProtocol = ReturnType<typeof makeServer<Record<string, unknown> | undefined, Connection>>;
type WebSocketSink = Parameters<GraphqlWsProtocol['opened']>[0];

/** An AOL refusal as graphql-ws sends errors: a GraphQLError that keeps the AolError for the formatter. */
function graphqlErrorOf(error: AolError): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code } });
}

/** Answers an upgrade that will not become a WebSocket, and closes the socket (nothing is left half-open). */
function refuseUpgrade(socket: Duplex, status: string, headers: Record<string, string> = {}): void {
  const lines = Object.entries({ connection: 'close', 'content-length': '0', ...headers }).map(([name, value]) => `${name}: ${value}`);
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\n${lines.join('\r\n')}\r\n\r\n`);
}

/**
 * Subscriptions (and any operation) over the graphql-ws protocol at /graphql. Served here
 * rather than through Apollo, because Apollo's plugins never see the WebSocket, and glued to
 * `ws` here rather than with graphql-ws's `useServer`, so that every socket is bounded:
 *
 * - an upgrade to any other path is answered 404 and closed; one from an address over its
 *   failed-authentication limit 429;
 * - the token is checked in onConnect (a bad or missing one closes with 4403), connections and
 *   messages are counted per token (4429 past AOL_RATE_LIMIT_WS_*), a message over 64 KiB
 *   closes with 1009;
 * - one socket holds at most AOL_WS_MAX_SUBSCRIPTIONS operations (past it, that subscribe gets
 *   TOO_MANY_SUBSCRIPTIONS);
 * - messages are handed to the socket without waiting for the reader, and a socket with more
 *   than AOL_WS_MAX_BUFFERED_BYTES waiting is closed with 1013 and dropped: a reader that stops
 *   reading costs that much memory at most, not an event queue per subscription that never ends;
 * - every operation passes the same query limits, role check and error mapping as on HTTP
 *   (parsed and validated once per query text, as Apollo does on HTTP);
 * - a socket offering only the legacy `graphql-ws` subprotocol (subscriptions-transport-ws,
 *   GraphQL Playground's) is carried by translating its messages, so it passes all of the above.
 */
@Injectable()
export class GraphqlWsServer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(GraphqlWsServer.name);
  private readonly formatError: ReturnType<typeof createErrorFormatter>;
  private readonly maxSubscriptions: number;
  private readonly maxBufferedBytes: number;
  private server: WebSocketServer | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  /** Set at shutdown: a client reconnecting then (graphql-ws clients retry) must not join a closing server. */
  private closing = false;
  /** Legacy-protocol sockets past connection_ack: they are sent a ka on every keep-alive round. */
  private readonly legacyAcknowledged = new WeakSet<WebSocket>();

  constructor(
    private readonly httpAdapterHost: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly auth: AuthService,
    private readonly limits: RateLimitService,
    private readonly pino: PinoLogger,
    config: AolConfig,
  ) {
    const development = config.nodeEnv !== 'production';
    this.formatError = createErrorFormatter({ exposeInternalErrors: development, hideSchemaDetails: !development });
    this.maxSubscriptions = config.wsMaxSubscriptions;
    this.maxBufferedBytes = config.wsMaxBufferedBytes;
  }

  onApplicationBootstrap(): void {
    const httpServer = this.httpAdapterHost.httpAdapter?.getHttpServer();
    if (!httpServer) return; // no HTTP server (CLI)
    const server = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES, handleProtocols: chooseProtocol });
    const protocol = makeServer<Record<string, unknown> | undefined, Connection>(this.protocolOptions());
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!isGraphqlPath(request.url)) return refuseUpgrade(socket, '404 Not Found');
      if (this.closing) return refuseUpgrade(socket, '503 Service Unavailable');
      try {
        this.limits.assertMayAuthenticate(request.socket.remoteAddress ?? '');
      } catch (error) {
        const retryAfter = (error as AolError).details?.retryAfterSeconds;
        return refuseUpgrade(socket, '429 Too Many Requests', { 'retry-after': String(retryAfter) });
      }
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
    });
    // One timer for every socket: a socket that missed the last ping is cut, the rest pinged again.
    const answered = new WeakSet<WebSocket>();
    server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      answered.add(socket);
      socket.on('pong', () => answered.add(socket));
      this.open(protocol, socket, request);
    });
    this.keepAlive = setInterval(() => {
      for (const socket of server.clients) {
        if (!answered.delete(socket)) socket.terminate();
        else socket.ping();
        if (this.legacyAcknowledged.has(socket)) socket.send(LEGACY_KEEP_ALIVE);
      }
    }, KEEP_ALIVE_MS).unref();
    this.server = server;
    this.logger.log(`graphql-ws subscriptions at ${GRAPHQL_PATH}`);
  }

  /**
   * Closes every socket (1001, going away), cuts those whose peer has not answered the close
   * within SHUTDOWN_CLOSE_MS (a reader that does not read never will), and closes the server.
   */
  beforeApplicationShutdown(): void {
    this.closing = true;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.keepAlive) clearInterval(this.keepAlive);
    const server = this.server;
    if (!server) return;
    for (const socket of server.clients) socket.close(1001, 'Going away');
    for (let waited = 0; server.clients.size > 0 && waited < SHUTDOWN_CLOSE_MS; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const socket of server.clients) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private open(protocol: GraphqlWsProtocol, socket: WebSocket, request: IncomingMessage): void {
    const address = request.socket.remoteAddress ?? '';
    const connection: Connection = { socket, request, address, requestId: requestIdOf(request.headers), rateKey: `address:${address}` };
    const closed = protocol.opened(
      socket.protocol === LEGACY_PROTOCOL ? this.legacySocket(connection) : this.socket(connection),
      connection,
    );
    socket.on('error', () => socket.terminate());
    socket.once('close', (code: number, reason: Buffer) => void closed(code, String(reason)));
  }

  private socket(connection: Connection): WebSocketSink {
    return {
      protocol: connection.socket.protocol,
      send: (data) => this.send(connection, data),
      close: (code, reason) => connection.socket.close(code, reason),
      onMessage: (receive) => this.receiveInTurn(connection, receive),
    };
  }

  /** A socket speaking the legacy protocol, seen by graphql-ws through a translation of every message (see legacy-ws-protocol.ts). */
  private legacySocket(connection: Connection): WebSocketSink {
    const { socket } = connection;
    return {
      protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
      send: (data) => {
        const messages = toLegacy(data);
        if (messages[0]?.includes('"connection_ack"')) this.legacyAcknowledged.add(socket);
        for (const message of messages) this.send(connection, message);
      },
      close: (code, reason) => {
        if (code === CloseCode.Forbidden) this.send(connection, legacyConnectionError(connection.refusal ?? reason ?? 'Forbidden'));
        socket.close(code, reason);
      },
      onMessage: (receive) =>
        this.receiveInTurn(connection, async (data) => {
          const translated = fromLegacy(data);
          if ('close' in translated) return socket.close(...translated.close);
          return receive(translated.message);
        }),
    };
  }

  /**
   * Hands the socket's messages to graphql-ws one per turn of the event loop, so that one
   * socket's burst (200 subscribes in one packet) cannot hold the loop: every socket, the tick's
   * database round trips and its timers get a turn in between. A socket with a backlog of
   * MAX_PENDING_MESSAGES is no longer read until half of it is worked off (what one read already
   * held still queues), so the backlog is bounded and the sender slowed to the server's pace.
   */
  private receiveInTurn(connection: Connection, receive: (data: string) => Promise<void>): void {
    const { socket } = connection;
    const pending: string[] = [];
    const next = () => {
      const data = pending.shift();
      if (data === undefined) return;
      const handled = this.pino.runInContext(() => receive(data), { bindings: { requestId: connection.requestId } });
      handled.catch((error: unknown) => {
        this.logger.error({ msg: `graphql-ws message handling failed: ${String(error)}`, err: error, requestId: connection.requestId });
        socket.close(CloseCode.InternalServerError, 'Internal server error');
      });
      if (socket.isPaused && pending.length < MAX_PENDING_MESSAGES / 2) socket.resume();
      if (pending.length > 0) setImmediate(next);
    };
    socket.on('message', (data: Buffer) => {
      const waitMs = this.limits.takeMessage(connection.rateKey);
      if (waitMs > 0) return socket.close(CLOSE_RATE_LIMITED, `Too many messages: try again in ${Math.ceil(waitMs / 1000)} s`);
      pending.push(String(data));
      if (pending.length === 1) setImmediate(next);
      if (pending.length >= MAX_PENDING_MESSAGES) socket.pause();
    });
  }

  /** Hands a message to the socket without waiting for the reader; drops a reader that has fallen too far behind. */
  private send(connection: Connection, data: string): void {
    const { socket } = connection;
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(data);
    if (socket.bufferedAmount <= this.maxBufferedBytes) return;
    this.logger.warn({
      msg:
        `Dropped the WebSocket of ${connection.rateKey}: ${socket.bufferedAmount} bytes wait for a reader that does not read ` +
        `(AOL_WS_MAX_BUFFERED_BYTES ${this.maxBufferedBytes})`,
      requestId: connection.requestId,
    });
    socket.close(CLOSE_TRY_AGAIN_LATER, 'Too many bytes waiting for the reader');
    setTimeout(() => socket.terminate(), DROP_GRACE_MS).unref();
  }

  private protocolOptions(): ServerOptions<Record<string, unknown> | undefined, Connection> {
    const schema = this.schemaHost.schema;
    const documents = new DocumentCache(schema, [...specifiedRules, QueryLimitsRule]);
    return {
      schema,
      execute,
      subscribe,
      onConnect: ({ connectionParams, extra: connection }) => {
        const params = connectionParams ?? {};
        try {
          const principal = this.auth.admit(connection.address, params.authorization ?? params.Authorization, params.actor);
          connection.rateKey = this.auth.rateKey(principal, connection.address);
          this.limits.takeConnection(connection.rateKey);
          connection.principal = principal;
          return true;
        } catch (error) {
          connection.refusal = error instanceof AolError ? error.message : undefined;
          if (error instanceof AolError && error.code === AolErrorCode.RATE_LIMITED)
            connection.socket.close(CLOSE_RATE_LIMITED, error.message.slice(0, 123));
          return false; // graphql-ws closes with 4403 Forbidden (unless closed above)
        }
      },
      onSubscribe: ({ subscriptions, extra: connection }, _id, payload) => {
        // graphql-ws has already entered this operation.
        if (Object.keys(subscriptions).length > this.maxSubscriptions) {
          return [
            graphqlErrorOf(
              new AolError(
                AolErrorCode.TOO_MANY_SUBSCRIPTIONS,
                `This connection already holds ${this.maxSubscriptions} operations (AOL_WS_MAX_SUBSCRIPTIONS): complete one first, or open another connection`,
              ),
            ),
          ];
        }
        const { document, errors } = documents.check(payload.query);
        if (errors) return [...errors];
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          // The words graphql-js gives Apollo on HTTP for the same request.
          const message = payload.operationName
            ? `Unknown operation named "${payload.operationName}".`
            : 'Must provide operation name if query contains multiple operations.';
          return [graphqlErrorOf(new AolError(AolErrorCode.OPERATION_RESOLUTION_FAILURE, message))];
        }
        try {
          this.auth.authorize(connection.principal!, operation.operation, introspects(document, operation));
        } catch (error) {
          if (error instanceof AolError) return [graphqlErrorOf(error)];
          throw error;
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: { principal: connection.principal, req: connection.request },
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => this.formatError(error.toJSON(), error)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => this.formatError(error.toJSON(), error)),
    };
  }
}
