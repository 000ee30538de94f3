import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the next POST /api/v1/statuses gets instead of Mastodon's normal handling, in the
 * order scripted. `createFirst` makes the status before answering (a post whose answer is
 * lost: the case Idempotency-Key exists for).
 */
export type FakeMastodonReply =
  | { status: number; error?: string; headers?: Record<string, string>; body?: string; createFirst?: boolean }
  | { hang: true; createFirst?: boolean };

export interface FakeMastodonOptions {
  /** The access token it accepts; anything else is a 401. */
  token: string;
  /** false: ignores Idempotency-Key, like servers that do not implement it. Default true. */
  idempotent?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** HTTP status sent, or 'hang' when it was never answered. */
  reply: number | 'hang';
  /** Date.now() when its body had arrived. */
  at: number;
}

export interface FakeStatus {
  id: string;
  url: string;
  uri: string;
  text: string;
  visibility: string;
  idempotencyKey: string | null;
}

const STATUS_LIMIT = 500;
const ACCOUNT = { id: '1', username: 'aol', acct: 'aol' };
const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'];

/**
 * A local HTTP server that answers POST /api/v1/statuses the way Mastodon does: bearer token
 * checked (401), `status` validated (422), Idempotency-Key honoured per account (a repeat
 * returns the first status and makes no new one), JSON or form bodies. It also answers
 * GET /api/v1/accounts/verify_credentials and GET /api/v1/accounts/1/statuses (newest first,
 * at most `limit`, 20 by default and 40 at most), as reconcileAction reads them. Tests script faults
 * per request with `script(...)` and read back every request and every status made.
 */
export class FakeMastodon {
  /** Every request to Mastodon's API (/api/…), in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly statuses: FakeStatus[] = [];
  private readonly scripted: FakeMastodonReply[] = [];
  private readonly byKey = new Map<string, FakeStatus>();
  private readonly hanging = new Set<ServerResponse>();
  private nextId = 113_000_000_000_000_001n;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: Required<FakeMastodonOptions>,
  ) {}

  /** Listens on 127.0.0.1 at a free port. */
  static async start(options: FakeMastodonOptions): Promise<FakeMastodon> {
    let fake: FakeMastodon | undefined;
    const server = createServer((request, response) => void fake!.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    fake = new FakeMastodon(server, `http://127.0.0.1:${port}`, { idempotent: true, ...options });
    return fake;
  }

  /** Makes a status as if posted from elsewhere (no request is recorded). */
  postDirectly(text: string): FakeStatus {
    return this.createStatus({ status: text }, {});
  }

  /** Queues replies for the next POST /api/v1/statuses requests, one each, in order. */
  script(...replies: FakeMastodonReply[]): void {
    this.scripted.push(...replies);
  }

  /** Requests to the statuses endpoint, in arrival order. */
  get statusRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.path === '/api/v1/statuses');
  }

  /** Stops listening and drops every connection, answering none of the hung requests. */
  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readAll(request);
    const path = (request.url ?? '/').split('?')[0];
    // Only Mastodon's API is recorded: a test elsewhere may poll a port it picked for its own
    // server (GET /health) after this fake took that port, and that is no request from AOL.
    if (!path.startsWith('/api/')) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
    const recorded: RecordedRequest = { method: request.method ?? '', path, headers: request.headers, body, reply: 0, at: Date.now() };
    this.requests.push(recorded);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      recorded.reply = status;
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      response.writeHead(status, {
        'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
        ...headers,
      });
      response.end(text);
    };

    const reads = request.method === 'GET' && (path === '/api/v1/accounts/verify_credentials' || path === '/api/v1/accounts/1/statuses');
    if ((path !== '/api/v1/statuses' || request.method !== 'POST') && !reads) return send(404, { error: 'Record not found' });
    // Mastodon authenticates before anything else: without a valid token nothing is scripted.
    if (request.headers.authorization !== `Bearer ${this.options.token}`) return send(401, { error: 'The access token is invalid' });
    if (path === '/api/v1/accounts/verify_credentials') return send(200, ACCOUNT);
    if (reads) {
      const limit = Math.min(40, Number(new URLSearchParams((request.url ?? '').split('?')[1] ?? '').get('limit') ?? 20) || 20);
      return send(
        200,
        [...this.statuses]
          .reverse()
          .slice(0, limit)
          .map((status) => this.toJson(status)),
      );
    }

    const script = this.scripted.shift();
    const params = parseParams(body, request.headers['content-type']);
    if (script?.createFirst && params && typeof params.status === 'string') this.createStatus(params, request.headers);
    if (script && 'hang' in script) {
      recorded.reply = 'hang';
      this.hanging.add(response);
      return;
    }
    if (script) return send(script.status, script.body ?? { error: script.error ?? `Scripted ${script.status}` }, script.headers);

    if (!params) return send(400, { error: 'Error occurred while parsing request parameters' });
    const text = typeof params.status === 'string' ? params.status : '';
    if (text.trim() === '') return send(422, { error: "Validation failed: Text can't be blank" });
    if ([...text].length > STATUS_LIMIT) return send(422, { error: `Validation failed: Text character limit of ${STATUS_LIMIT} exceeded` });
    const visibility = params.visibility ?? 'public';
    if (typeof visibility !== 'string' || !VISIBILITIES.includes(visibility)) {
      return send(422, { error: 'Validation failed: Visibility is not included in the list' });
    }
    return send(200, this.toJson(this.createStatus(params, request.headers)));
  }

  /** Makes the status, or returns the one an earlier request with the same key made. */
  private createStatus(params: Record<string, unknown>, headers: IncomingHttpHeaders): FakeStatus {
    const key = typeof headers['idempotency-key'] === 'string' ? headers['idempotency-key'] : null;
    const existing = key !== null && this.options.idempotent ? this.byKey.get(key) : undefined;
    if (existing) return existing;
    const id = String(this.nextId++);
    const status: FakeStatus = {
      id,
      url: `${this.url}/@aol/${id}`,
      uri: `${this.url}/users/aol/statuses/${id}`,
      text: String(params.status),
      visibility: typeof params.visibility === 'string' ? params.visibility : 'public',
      idempotencyKey: key,
    };
    this.statuses.push(status);
    if (key !== null && this.options.idempotent) this.byKey.set(key, status);
    return status;
  }

  /** The Status entity, with the fields a client reads. */
  private toJson(status: FakeStatus): Record<string, unknown> {
    return {
      id: status.id,
      created_at: new Date().toISOString(),
      visibility: status.visibility,
      uri: status.uri,
      url: status.url,
      content: `<p>${escapeHtml(status.text)}</p>`,
      account: { ...ACCOUNT, url: `${this.url}/@aol` },
      media_attachments: [],
      mentions: [],
      tags: [],
    };
  }
}

function readAll(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** JSON or form-encoded parameters, as Mastodon accepts both; null when unparseable. */
function parseParams(body: string, contentType: string | undefined): Record<string, unknown> | null {
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * The environment of a service that posts for real to the Mastodon at `url` with `token`: proof
 * mode off and no approval asked (AOL_APPROVAL=none), so a REAL action runs when due; `extra`
 * adds or overrides variables.
 */
export function realMastodonEnv(url: string, token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { AOL_PROOF_MODE: '0', AOL_APPROVAL: 'none', AOL_MASTODON_BASE_URL: url, AOL_MASTODON_ACCESS_TOKEN: token, ...extra };
}
