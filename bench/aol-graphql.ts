import { Agent, request as httpRequest } from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { benchKey, benchPost } from './seed';

export interface GraphqlError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** The operator token the benchmark's AOL processes run with (NODE_ENV=production requires one). */
export const BENCH_API_TOKEN = 'aol-benchmark-operator-token';

/**
 * Kept-alive connections, as a service calling AOL would hold them. node:http rather than
 * fetch: undici's fetch costs the calling process about a millisecond of CPU per request,
 * which would be charged to AOL in the latency and single-enqueue figures (the peers are
 * called in-process, with no client at all).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${BENCH_API_TOKEN}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** One GraphQL request over HTTP, as any client sends it. Throws on transport or GraphQL errors. */
export async function graphql<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await post(url, JSON.stringify({ query, variables }));
  const body = JSON.parse(response.text) as { data?: T; errors?: GraphqlError[] };
  if (body.errors && body.errors.length > 0) {
    throw new Error(`GraphQL error (HTTP ${response.status}): ${body.errors.map((error) => error.message).join('; ')}`);
  }
  if (!body.data) throw new Error(`GraphQL answered HTTP ${response.status} without data`);
  return body.data;
}

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}

interface FieldInfo {
  name: string;
  args: Array<{ name: string }>;
  type: TypeRef;
}

/** The root fields the benchmark looks for, read from the running service's schema. */
export interface AolApi {
  hasEnqueueActions: boolean;
  hasActionsQuery: boolean;
  /** Selection set for `actions(...)`, built from its return type; null when absent or unusable. */
  actionsSelection: string | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';

function namedType(type: TypeRef): string | null {
  let current: TypeRef | null = type;
  while (current && !current.name) current = current.ofType;
  return current?.name ?? null;
}

async function fieldsOf(url: string, typeName: string): Promise<FieldInfo[]> {
  const data = await graphql<{ __type: { fields: FieldInfo[] | null } | null }>(
    url,
    `query($name: String!) { __type(name: $name) { fields { name args { name } type { ${TYPE_REF} } } } }`,
    { name: typeName },
  );
  return data.__type?.fields ?? [];
}

/**
 * The lead is adding `enqueueActions` and `actions` while this harness is written: probe the
 * schema at run time rather than assume. `actions` may return a list of Action, a connection
 * with edges/node, or one with nodes; the selection follows whichever it is.
 */
export async function probeAolApi(url: string): Promise<AolApi> {
  const mutations = await fieldsOf(url, 'Mutation');
  const queries = await fieldsOf(url, 'Query');
  const actions = queries.find((field) => field.name === 'actions');
  let actionsSelection: string | null = null;
  if (actions && actions.args.some((arg) => arg.name === 'filter') && actions.args.some((arg) => arg.name === 'first')) {
    const returned = namedType(actions.type);
    if (returned === 'Action') actionsSelection = '{ id status }';
    else if (returned) {
      const fields = await fieldsOf(url, returned);
      const names = new Set(fields.map((field) => field.name));
      const pageInfo = names.has('pageInfo') ? ' pageInfo { hasNextPage endCursor }' : '';
      if (names.has('edges')) actionsSelection = `{ edges { cursor node { id status } }${pageInfo} }`;
      else if (names.has('nodes')) actionsSelection = `{ nodes { id status }${pageInfo} }`;
    }
  }
  return {
    hasEnqueueActions: mutations.some((field) => field.name === 'enqueueActions'),
    hasActionsQuery: actions !== undefined,
    actionsSelection,
  };
}

function input(index: number): Record<string, unknown> {
  return { type: 'POST_SOCIAL', idempotencyKey: benchKey(index), payload: benchPost(index) };
}

export const ENQUEUE_ACTIONS = `mutation($inputs: [EnqueueActionInput!]!) { enqueueActions(inputs: $inputs) { created action { id } } }`;
export const ENQUEUE_ACTION = `mutation($input: EnqueueActionInput!) { enqueueAction(input: $input) { created action { id } } }`;

/** enqueueActions in calls of `perCall` (AOL accepts at most 1000); keys first..first+count-1. */
export async function enqueueBulk(url: string, first: number, count: number, perCall = 1000): Promise<void> {
  for (let start = first; start < first + count; start += perCall) {
    const size = Math.min(perCall, first + count - start);
    const inputs = Array.from({ length: size }, (_, offset) => input(start + offset));
    const data = await graphql<{ enqueueActions: Array<{ created: boolean }> }>(url, ENQUEUE_ACTIONS, { inputs });
    const created = data.enqueueActions.filter((result) => result.created).length;
    if (created !== size) throw new Error(`enqueueActions created ${created} of ${size}`);
  }
}

/** Sends one GraphQL operation and resolves with its data; throws on transport or GraphQL errors. */
export type GraphqlTransport = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export function httpTransport(url: string): GraphqlTransport {
  return (query, variables) => graphql(url, query, variables);
}

/**
 * One graphql-ws connection to AOL's /graphql (the transport its subscriptions use, which runs
 * any operation), authenticated once in its connection parameters, as a long-lived operator
 * client holds it.
 */
export function webSocketTransport(httpUrl: string): { transport: GraphqlTransport; close: () => Promise<void> } {
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${BENCH_API_TOKEN}` },
  });
  const transport: GraphqlTransport = <T>(query: string, variables?: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      let data: T | undefined;
      client.subscribe<T>(
        { query, variables },
        {
          next: (result) => {
            if (result.errors && result.errors.length > 0)
              reject(new Error(`GraphQL error: ${result.errors.map((error) => error.message).join('; ')}`));
            else data = result.data as T;
          },
          error: (error) => reject(error instanceof Error ? error : new Error(`graphql-ws: ${JSON.stringify(error)}`)),
          complete: () => (data === undefined ? reject(new Error('graphql-ws completed without data')) : resolve(data)),
        },
      );
    });
  return { transport, close: async () => void (await client.dispose()) };
}

export async function enqueueOne(send: GraphqlTransport, index: number): Promise<number> {
  const data = await send<{ enqueueAction: { created: boolean; action: { id: string } } }>(ENQUEUE_ACTION, { input: input(index) });
  if (!data.enqueueAction.created) throw new Error(`enqueueAction did not create ${benchKey(index)}`);
  return Number(data.enqueueAction.action.id);
}

export async function resume(url: string): Promise<void> {
  await graphql(url, 'mutation { resume(reason: "bench: drain") { paused } }');
}
