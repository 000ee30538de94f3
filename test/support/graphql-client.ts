import { createClient, Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphqlResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

/** One GraphQL request over HTTP, as any client would send it. */
export async function graphqlRequest<T = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphqlResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** A graphql-ws client over a real WebSocket. */
export function graphqlWsClient(httpUrl: string, connectionParams?: Record<string, unknown>): WsClient {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
  });
}

/** Subscribes and collects events until `count` have arrived (or the timeout passes). */
export function collectEvents<T>(client: WsClient, query: string, count: number, timeoutMs = 15_000): { events: T[]; done: Promise<T[]> } {
  const events: T[] = [];
  const done = new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`Only ${events.length} of ${count} events arrived within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = client.subscribe<T>(
      { query },
      {
        next: (result) => {
          if (result.errors) {
            clearTimeout(timer);
            reject(new Error(JSON.stringify(result.errors)));
            return;
          }
          events.push(result.data as T);
          if (events.length === count) {
            clearTimeout(timer);
            unsubscribe();
            resolve(events);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => undefined,
      },
    );
  });
  return { events, done };
}

/** Opens a graphql-ws connection and resolves with the close code once the server closes it. */
export function wsCloseCode(httpUrl: string, connectionParams?: Record<string, unknown>): Promise<number> {
  return new Promise((resolve) => {
    createClient({
      url: httpUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: { closed: (event) => resolve((event as { code: number }).code) },
    });
  });
}

/** Runs one operation over graphql-ws and resolves with its result or its errors. */
export function wsExecute(
  client: WsClient,
  query: string,
): Promise<{ data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  return new Promise((resolve) => {
    let result: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } = {};
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as typeof result),
        error: (errors) => resolve({ errors: errors as typeof result.errors }),
        complete: () => resolve(result),
      },
    );
  });
}
