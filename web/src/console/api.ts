import { Client, fetchExchange, subscriptionExchange, type AnyVariables, type CombinedError, type TypedDocumentNode } from 'urql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { connectionParams, httpHeaders, type Session } from './session';

export const GRAPHQL_PATH = '/graphql';

/** What the live region announces. */
export type ConnectionState = 'Connecting…' | 'Live' | 'Reconnecting…' | 'Refused';

/** graphql-ws closes with 4403 when the token in connection_init is missing or wrong: retrying cannot help. */
const FORBIDDEN_CLOSE_CODE = 4403;
/** Reconnect within 10 s at most, so the page is live again soon after a restart of the service. */
const MAX_RETRY_WAIT_MS = 10_000;

function closeCode(event: unknown): number | undefined {
  return typeof event === 'object' && event !== null && 'code' in event ? Number((event as { code: unknown }).code) : undefined;
}

export interface ApiClients {
  client: Client;
  socket: WsClient;
}

/**
 * The page's two transports, both to the service that served it: queries and mutations over
 * HTTP POST (the token as a bearer header), subscriptions over one graphql-ws socket (the
 * token as the `authorization` connection parameter).
 */
export function createApiClients(session: Session, onState: (state: ConnectionState) => void): ApiClients {
  let connectedOnce = false;
  const socket = createWsClient({
    url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${GRAPHQL_PATH}`,
    lazy: false,
    retryAttempts: Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, MAX_RETRY_WAIT_MS))),
    shouldRetry: (event) => closeCode(event) !== FORBIDDEN_CLOSE_CODE,
    onNonLazyError: () => undefined,
    connectionParams: () => connectionParams(session),
    on: {
      connecting: () => onState(connectedOnce ? 'Reconnecting…' : 'Connecting…'),
      connected: () => {
        connectedOnce = true;
        onState('Live');
      },
      closed: (event) => onState(closeCode(event) === FORBIDDEN_CLOSE_CODE ? 'Refused' : 'Reconnecting…'),
    },
  });
  const client = new Client({
    url: GRAPHQL_PATH,
    // POST with a JSON body: Apollo's CSRF prevention refuses simple GET requests.
    preferGetMethod: false,
    fetchOptions: () => ({ headers: httpHeaders(session) }),
    // No document cache: subscriptions say when something changed, and a view decides what to
    // re-read (a cache would re-run a list after each retry and drop the rows it changed).
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, socket };
}

/** True when the API refused the token (HTTP 401, UNAUTHENTICATED). */
export function isUnauthenticated(error: CombinedError | undefined): boolean {
  return !!error && (error.response?.status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED'));
}

/** One line for an error: the API's code and message. */
export function describeError(error: CombinedError | Error | undefined): string {
  if (!error) return '';
  if ('graphQLErrors' in error && error.graphQLErrors.length > 0) {
    return error.graphQLErrors.map((e) => `${String(e.extensions?.code ?? 'ERROR')}: ${e.message}`).join('; ');
  }
  return error.message;
}

/** Runs a mutation; an error from the API is thrown with its code, for the dialog to show. */
export async function runMutation<Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  const result = await client.mutation(document, variables).toPromise();
  if (result.error || !result.data) throw new Error(describeError(result.error) || 'No answer');
  return result.data;
}
