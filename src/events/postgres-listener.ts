import { Logger } from '@nestjs/common';
import { Client } from 'pg';

const RECONNECT_MS = { first: 500, longest: 10_000 };

/**
 * The one connection an instance keeps for PostgreSQL's LISTEN: a session of its own (a pooled
 * connection would be handed to other work), held for the life of the process and opened
 * again, with a growing pause, whenever it drops. While it is down, notifications sent meanwhile
 * are missed: what listens is a live view, the tables are the record.
 */
export class PostgresListener {
  private readonly logger = new Logger(PostgresListener.name);
  private client: Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectMs = RECONNECT_MS.first;
  private closing = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly deliver: (payload: string | undefined) => void,
  ) {}

  /** Connects and listens; throws when it cannot (the caller decides whether that stops start-up). */
  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'aol-listener' });
    client.on('notification', (message) => this.deliver(message.payload));
    const lost = (error?: Error) => {
      if (this.client === client) this.scheduleReconnect(error);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (error) {
      // A session that connected but could not listen is ended, not left open beside the next attempt's.
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.reconnectMs = RECONNECT_MS.first;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private scheduleReconnect(error?: unknown): void {
    if (this.closing || this.reconnectTimer) return;
    this.client = null;
    const reason = error instanceof Error ? ` (${error.message})` : '';
    this.logger.warn(`The event listener connection is down${reason}; reconnecting in ${this.reconnectMs} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.start().catch((failure: unknown) => this.scheduleReconnect(failure));
    }, this.reconnectMs);
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MS.longest);
  }
}
