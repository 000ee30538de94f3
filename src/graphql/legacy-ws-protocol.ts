import { CloseCode, DEPRECATED_GRAPHQL_WS_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType } from 'graphql-ws';

/**
 * The legacy `graphql-ws` subprotocol of subscriptions-transport-ws (GraphQL Playground's), carried
 * by translating each message to and from `graphql-transport-ws`: every legacy socket goes through
 * the same graphql-ws server, so the same token check at connection_init, the same refusal of an
 * operation before the acknowledgement, the same limits, roles and error mapping.
 */
export const LEGACY_PROTOCOL = DEPRECATED_GRAPHQL_WS_PROTOCOL;

/** The legacy keep-alive, sent after the acknowledgement and then on every keep-alive round. */
export const LEGACY_KEEP_ALIVE = JSON.stringify({ type: 'ka' });

/** The subprotocol a socket speaks: graphql-transport-ws when offered, else the legacy one, else none (refused). */
export function chooseProtocol(offered: Set<string>): string | false {
  if (offered.has(GRAPHQL_TRANSPORT_WS_PROTOCOL)) return GRAPHQL_TRANSPORT_WS_PROTOCOL;
  if (offered.has(LEGACY_PROTOCOL)) return LEGACY_PROTOCOL;
  return false;
}

/** What a legacy client's message becomes: a graphql-transport-ws message, or a close of the socket. */
export type FromLegacy = { message: string } | { close: [code: number, reason: string] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A legacy client message as graphql-transport-ws: connection_init → connection_init,
 * start → subscribe, stop → complete; connection_terminate closes the socket; anything else
 * is refused as graphql-ws refuses it (4400). A start before the acknowledgement is passed on
 * as a subscribe, which graphql-ws answers by closing with 4401: it is never run.
 */
export function fromLegacy(data: string): FromLegacy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { close: [CloseCode.BadRequest, 'Invalid message received'] };
  }
  if (!isRecord(parsed)) return { close: [CloseCode.BadRequest, 'Invalid message received'] };
  const { type, id, payload } = parsed;
  switch (type) {
    case 'connection_init':
      return { message: JSON.stringify({ type: MessageType.ConnectionInit, payload: isRecord(payload) ? payload : undefined }) };
    case 'start':
      return { message: JSON.stringify({ type: MessageType.Subscribe, id, payload }) };
    case 'stop':
      return { message: JSON.stringify({ type: MessageType.Complete, id }) };
    case 'connection_terminate':
      return { close: [1000, 'Normal Closure'] };
    default:
      return {
        close: [CloseCode.BadRequest, `Invalid message type ${JSON.stringify(type)} for the ${LEGACY_PROTOCOL} protocol`.slice(0, 123)],
      };
  }
}

/**
 * A graphql-transport-ws server message as the legacy client expects it: connection_ack (then a
 * first ka), next → data, error → error (its payload the formatted errors, as the legacy client
 * reads them), complete → complete; pings and pongs have no legacy form and are dropped.
 */
export function toLegacy(data: string): string[] {
  const message = JSON.parse(data) as { type: string; id?: string; payload?: unknown };
  switch (message.type) {
    case MessageType.ConnectionAck:
      return [JSON.stringify({ type: 'connection_ack' }), LEGACY_KEEP_ALIVE];
    case MessageType.Next:
      return [JSON.stringify({ type: 'data', id: message.id, payload: message.payload })];
    case MessageType.Error:
      return [JSON.stringify({ type: 'error', id: message.id, payload: message.payload })];
    case MessageType.Complete:
      return [JSON.stringify({ type: 'complete', id: message.id })];
    default:
      return [];
  }
}

/** Sent before graphql-ws's refusal of connection_init (4403) closes the socket: the legacy client's way to hear it. */
export function legacyConnectionError(reason: string): string {
  return JSON.stringify({ type: 'connection_error', payload: { message: reason } });
}
