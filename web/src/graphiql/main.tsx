import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './graphiql.css';
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient, type Client } from 'graphql-ws';
import { createRoot } from 'react-dom/client';

const GRAPHQL_PATH = '/graphql';
const WS_URL = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${GRAPHQL_PATH}`;

const DEFAULT_QUERY = `{
  autonomyStatus {
    lease { owner epoch expiresInSeconds }
    flags { paused killed proofMode }
    lastTick { outcome attempted succeeded failed }
    queue { pending running retry dlq success }
    mode
  }
}
`;

/** A header of the Headers tab, whatever its case. */
function header(headers: Record<string, unknown>, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
}

/**
 * One graphql-ws socket for the Headers tab's Authorization and X-AOL-Actor, sent as the
 * connection parameters `authorization` and `actor`; new values open a new socket.
 */
let socket: { key: string; client: Client } | null = null;
function socketFor(headers: Record<string, unknown>): Client {
  const params = { authorization: header(headers, 'authorization'), actor: header(headers, 'x-aol-actor') };
  const key = JSON.stringify(params);
  if (socket?.key !== key) {
    void socket?.client.dispose();
    socket = { key, client: createClient({ url: WS_URL, lazy: true, connectionParams: params }) };
  }
  return socket.client;
}

/** Queries and mutations over HTTP with the Headers tab; subscriptions over that tab's socket. */
const fetcher: Fetcher = (params, options) =>
  createGraphiQLFetcher({ url: GRAPHQL_PATH, wsClient: socketFor(options?.headers ?? {}) })(params, options);

// /graphql#query=… opens with that operation in the editor, so a link can carry one.
const linkedQuery = new URLSearchParams(location.hash.slice(1)).get('query') ?? undefined;

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL
    fetcher={fetcher}
    shouldPersistHeaders
    initialQuery={linkedQuery}
    defaultQuery={DEFAULT_QUERY}
    defaultHeaders={'{\n  "Authorization": "Bearer <AOL_API_TOKEN or AOL_READ_TOKEN>"\n}'}
  />,
);
