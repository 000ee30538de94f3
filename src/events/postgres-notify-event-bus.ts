import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { AolConfig } from '../config/aol-config';
import { SqlDatabase } from '../database/sql-database';
import type { EventBus } from './event-bus';
import { InProcessEventBus } from './in-process-event-bus';

const CHANNEL = 'aol_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; keep a margin for the envelope. */
const MAX_NOTIFY_BYTES = 7800;
/** A field a subscriber can read again from the database by id, dropped when an event is too big to notify. */
const RELOADABLE_FIELD = 'payload';
const RECONNECT_MS = { first: 500, longest: 10_000 };

interface Envelope {
  origin: string;
  topic: string;
  payload: Record<string, unknown>;
}

/**
 * Events for several instances on one PostgreSQL: each event is delivered to this process's
 * subscribers at once and sent to the others with NOTIFY, so a subscription connected to a
 * follower sees what the leader does. No new infrastructure, and no durability either: an
 * instance whose listening connection is down misses what is sent meanwhile (subscriptions
 * are live views; the tables remain the record). The listener reconnects by itself.
 */
@Injectable()
export class PostgresNotifyEventBus implements EventBus, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresNotifyEventBus.name);
  private readonly local = new InProcessEventBus();
  private readonly origin = randomUUID();
  private listener: Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private reconnectMs = RECONNECT_MS.first;

  constructor(
    private readonly config: AolConfig,
    private readonly db: SqlDatabase,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
  }

  async publish(topic: string, payload: object): Promise<void> {
    await this.local.publish(topic, payload);
    const text = this.envelope(topic, payload);
    if (text === null) return;
    try {
      await this.db.query('select pg_notify(?, ?)', [CHANNEL, text]);
    } catch (error) {
      this.logger.warn(`Could not send ${topic} to other instances: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  subscribe<T>(topic: string): AsyncIterableIterator<T> {
    return this.local.subscribe<T>(topic);
  }

  /** The JSON to notify, without the reloadable field if the whole would be too big; null if still too big. */
  private envelope(topic: string, payload: object): string | null {
    const full = JSON.stringify({ origin: this.origin, topic, payload: payload as Record<string, unknown> } satisfies Envelope);
    if (Buffer.byteLength(full) <= MAX_NOTIFY_BYTES) return full;
    const { [RELOADABLE_FIELD]: _dropped, ...rest } = payload as Record<string, unknown>;
    const compact = JSON.stringify({ origin: this.origin, topic, payload: rest as Record<string, unknown> } satisfies Envelope);
    if (Buffer.byteLength(compact) <= MAX_NOTIFY_BYTES) return compact;
    this.logger.warn(`A ${topic} event is too large to send to other instances; only this one sees it`);
    return null;
  }

  private async listen(): Promise<void> {
    if (this.config.database.driver !== 'postgresql') throw new Error('AOL_EVENT_BUS=postgres needs a PostgreSQL DATABASE_URL');
    const client = new Client({ connectionString: this.config.database.url });
    client.on('notification', (message) => this.deliver(message.payload));
    const lost = (error?: Error) => {
      if (this.listener === client) this.scheduleReconnect(error);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.listener = client;
    this.reconnectMs = RECONNECT_MS.first;
  }

  private scheduleReconnect(error?: unknown): void {
    if (this.closing || this.reconnectTimer) return;
    this.listener = null;
    const reason = error instanceof Error ? ` (${error.message})` : '';
    this.logger.warn(`The event listener connection is down${reason}; reconnecting in ${this.reconnectMs} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen().catch((failure: unknown) => this.scheduleReconnect(failure));
    }, this.reconnectMs);
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MS.longest);
  }

  private deliver(text: string | undefined): void {
    if (!text) return;
    try {
      const envelope = JSON.parse(text) as Envelope;
      if (envelope.origin !== this.origin) void this.local.publish(envelope.topic, envelope.payload);
    } catch {
      this.logger.warn('Ignored a malformed event notification');
    }
  }
}
