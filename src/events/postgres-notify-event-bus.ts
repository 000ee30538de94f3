import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { sql } from '../database/sql';
import { SqlDatabase } from '../database/sql-database';
import type { EventBus } from './event-bus';
import { InProcessEventBus } from './in-process-event-bus';
import { PostgresListener } from './postgres-listener';

const CHANNEL = 'aol_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; keep a margin for the envelope. */
const MAX_NOTIFY_BYTES = 7800;
/** A field a subscriber can read again from the database by id, dropped when an event is too big to notify. */
const RELOADABLE_FIELD = 'payload';
/** Most events sent by one statement (each at most MAX_NOTIFY_BYTES). */
const MAX_EVENTS_PER_STATEMENT = 500;

interface Envelope {
  origin: string;
  /** Numbers this instance's events, so no two are identical: NOTIFY folds identical payloads sent in one transaction. */
  seq: number;
  topic: string;
  payload: Record<string, unknown>;
}

/**
 * Events for several instances on one PostgreSQL: each event is delivered to this process's
 * subscribers at once and sent to the others with NOTIFY, so a subscription connected to a
 * follower sees what the leader does. No new infrastructure, and no durability either: an
 * instance whose listening connection is down misses what is sent meanwhile (subscriptions
 * are live views; the tables remain the record). The listener reconnects by itself.
 *
 * Sending does not hold up the publisher: events queue in order and go out, one statement at a
 * time over a connection of the database's pool, everything queued so far in one statement, so
 * a tick that claims 1,000 actions pays for one NOTIFY statement, not 1,000 round trips before
 * its handlers start.
 */
@Injectable()
export class PostgresNotifyEventBus implements EventBus, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresNotifyEventBus.name);
  private readonly local = new InProcessEventBus();
  private readonly origin = randomUUID();
  /** How this instance's own envelopes begin (JSON.stringify keeps key order): its echoes are skipped unparsed. */
  private readonly ownPrefix = `{"origin":"${this.origin}",`;
  private readonly listener: PostgresListener;
  private readonly outbox: string[] = [];
  private sending: Promise<void> | null = null;
  /** The seq of the last envelope built. */
  private lastSeq = 0;

  constructor(
    config: AolConfig,
    private readonly db: SqlDatabase,
  ) {
    if (config.database.driver !== 'postgresql') throw new Error('AOL_EVENT_BUS=postgres needs a PostgreSQL DATABASE_URL');
    this.listener = new PostgresListener(config.database.url, CHANNEL, (payload) => this.deliver(payload));
  }

  async onModuleInit(): Promise<void> {
    await this.listener.start();
  }

  /** Sends what is still queued (events of the last tick among them), then stops listening. */
  async onApplicationShutdown(): Promise<void> {
    await this.sending;
    await this.listener.close();
  }

  /**
   * Queues the event for the other instances (before anything is awaited: a shutdown that
   * begins after this call still sends it) and delivers it to this process's subscribers.
   */
  async publish(topic: string, payload: object): Promise<void> {
    const text = this.envelope(topic, payload);
    if (text !== null) {
      this.outbox.push(text);
      this.sending ??= this.sendQueued();
    }
    await this.local.publish(topic, payload);
  }

  subscribe<T>(topic: string): AsyncIterableIterator<T> {
    return this.local.subscribe<T>(topic);
  }

  listen<T>(topic: string, listener: (payload: T) => void): () => void {
    return this.local.listen(topic, listener);
  }

  /**
   * One statement per round for everything queued meanwhile, in publication order (unnest
   * reads an array in order, and NOTIFY delivers one transaction's notifications in the
   * order sent). One round at a time, so statements cannot overtake each other.
   */
  private async sendQueued(): Promise<void> {
    while (this.outbox.length > 0) {
      const batch = this.outbox.splice(0, MAX_EVENTS_PER_STATEMENT);
      try {
        await this.db.query(sql`select pg_notify(${CHANNEL}, envelope) from unnest(cast(${batch} as text[])) as envelope`);
      } catch (error) {
        this.logger.warn(
          `Could not send ${batch.length} event(s) to other instances: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.sending = null;
  }

  /** The JSON to notify, without the reloadable field if the whole would be too big; null if still too big. */
  private envelope(topic: string, payload: object): string | null {
    const seq = ++this.lastSeq;
    const full = JSON.stringify({ origin: this.origin, seq, topic, payload: payload as Record<string, unknown> } satisfies Envelope);
    if (Buffer.byteLength(full) <= MAX_NOTIFY_BYTES) return full;
    const { [RELOADABLE_FIELD]: _dropped, ...rest } = payload as Record<string, unknown>;
    const compact = JSON.stringify({ origin: this.origin, seq, topic, payload: rest as Record<string, unknown> } satisfies Envelope);
    if (Buffer.byteLength(compact) <= MAX_NOTIFY_BYTES) return compact;
    this.logger.warn(`A ${topic} event is too large to send to other instances; only this one sees it`);
    return null;
  }

  private deliver(text: string | undefined): void {
    if (!text || text.startsWith(this.ownPrefix)) return; // this instance's subscribers had it already
    try {
      const envelope = JSON.parse(text) as Envelope;
      if (envelope.origin !== this.origin) void this.local.publish(envelope.topic, envelope.payload);
    } catch {
      this.logger.warn('Ignored a malformed event notification');
    }
  }
}
