import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  key: string | null;
  text: string;
  at: number;
  /** What happened to it: answered with the status, still held, or dropped unanswered. */
  fate: 'answered' | 'held' | 'dropped';
}

export interface SinkStatus {
  id: string;
  key: string | null;
  text: string;
}

/**
 * A Mastodon statuses endpoint whose answers the scenario holds back and lets go: it makes
 * the status when the request arrives (the post exists) and answers only when released. So a
 * scenario can freeze or stop the service exactly while a remote call is in flight, then let
 * the answer arrive late. `idempotent` honours Idempotency-Key like Mastodon; otherwise every
 * request makes a new post, like servers that ignore it.
 */
export class GatedSink {
  readonly requests: SinkRequest[] = [];
  readonly statuses: SinkStatus[] = [];
  private holdCount = 0;
  private readonly held: Array<{ response: ServerResponse; status: SinkStatus; request: SinkRequest }> = [];
  private readonly waiters: Array<() => void> = [];
  private nextId = 114_000_000_000_000_001n;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly token: string,
    readonly idempotent: boolean,
  ) {}

  static async start(token: string, idempotent: boolean): Promise<GatedSink> {
    let sink: GatedSink | undefined;
    const server = createServer((request, response) => void sink!.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    sink = new GatedSink(server, `http://127.0.0.1:${port}`, token, idempotent);
    return sink;
  }

  /** The next `count` requests make their post but get no answer until `release()`. */
  holdNext(count = 1): void {
    this.holdCount += count;
  }

  /** Resolves when the request count reaches `count`. */
  async requestCount(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`The sink saw ${this.requests.length} request(s), not ${count}, within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }

  /** Answers every held request now, with the post it made. */
  release(): number {
    const count = this.held.length;
    for (const { response, status, request } of this.held.splice(0)) {
      request.fate = 'answered';
      this.answer(response, status);
    }
    return count;
  }

  postsFor(key: string): SinkStatus[] {
    return this.statuses.filter((status) => status.key === key);
  }

  requestsFor(key: string): SinkRequest[] {
    return this.requests.filter((request) => request.key === key);
  }

  async close(): Promise<void> {
    for (const { response, request } of this.held.splice(0)) {
      request.fate = 'dropped';
      response.destroy();
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'POST' || path !== '/api/v1/statuses') return this.send(response, 404, { error: 'Record not found' });
    if (request.headers.authorization !== `Bearer ${this.token}`) return this.send(response, 401, { error: 'The access token is invalid' });
    let text: string;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status?: unknown };
      text = typeof body.status === 'string' ? body.status : '';
    } catch {
      return this.send(response, 400, { error: 'Error occurred while parsing request parameters' });
    }
    const key = typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : null;
    const recorded: SinkRequest = { key, text, at: Date.now(), fate: 'answered' };
    this.requests.push(recorded);
    for (const wake of this.waiters.splice(0)) wake();

    const existing = this.idempotent && key !== null ? this.statuses.find((status) => status.key === key) : undefined;
    const status = existing ?? this.create(key, text);
    if (this.holdCount > 0) {
      this.holdCount -= 1;
      recorded.fate = 'held';
      this.held.push({ response, status, request: recorded });
      return;
    }
    this.answer(response, status);
  }

  private create(key: string | null, text: string): SinkStatus {
    const status = { id: String(this.nextId++), key, text };
    this.statuses.push(status);
    return status;
  }

  private answer(response: ServerResponse, status: SinkStatus): void {
    if (response.destroyed) return;
    this.send(response, 200, {
      id: status.id,
      created_at: new Date().toISOString(),
      visibility: 'public',
      uri: `${this.url}/users/aol/statuses/${status.id}`,
      url: `${this.url}/@aol/${status.id}`,
      content: `<p>${status.text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`,
      account: { id: '1', username: 'aol', acct: 'aol', url: `${this.url}/@aol` },
      media_attachments: [],
      mentions: [],
      tags: [],
    });
  }

  private send(response: ServerResponse, status: number, payload: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(payload));
  }
}
