import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import {
  WEBHOOK_FORMATS,
  webhookEventsProblem,
  webhookSecretProblem,
  webhookUrlProblem,
  WebhookEvent,
  WebhookFormat,
} from '../config/webhook-subscriptions';
import { SqlDatabase } from '../database/sql-database';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { newWebhookSecret } from './standard-webhooks';
import { deleteWebhook, insertWebhook, selectWebhooks } from './sql/webhooks';

/** A subscription as AOL delivers to it; `secret` never leaves the service except once, on create. */
export interface WebhookSubscription {
  /** `env:NAME` for AOL_WEBHOOKS, the row's id for one made through the API. */
  id: string;
  url: string;
  events: WebhookEvent[];
  format: WebhookFormat;
  source: 'ENV' | 'API';
  createdBy: string | null;
  createdAt: Date | null;
  secret: string | null;
}

export interface WebhookRequestInput {
  url: string;
  events: string[];
  format: string;
  secret?: string | null;
  actor: string;
}

/**
 * A new subscription made elsewhere reaches this instance's cache within this long; one made
 * or deleted here is seen at once. Every action change asks for the subscriptions, so they are
 * not read from the database each time.
 */
const CACHE_MS = 5_000;
const MAX_API_WEBHOOKS = 100;

/** Webhook subscriptions: those of AOL_WEBHOOKS and those made through the API (aol_webhooks). */
@Injectable()
export class WebhooksService {
  /** The stored subscriptions, and once read the events they want. */
  private cached: { at: number; rows: Promise<WebhookSubscription[]>; events?: ReadonlySet<WebhookEvent> } | null = null;
  private readonly configuredEvents: ReadonlySet<WebhookEvent>;

  constructor(
    private readonly db: SqlDatabase,
    private readonly config: AolConfig,
  ) {
    this.configuredEvents = new Set(config.webhooks.flatMap((webhook) => webhook.events));
  }

  /**
   * True only when it is known without waiting (AOL_WEBHOOKS, and stored subscriptions read
   * less than the cache's age ago) that no subscription wants `event`: then the dispatcher
   * builds nothing for it, which is every action's SUCCESS in a drain without webhooks.
   */
  knownUnwanted(event: WebhookEvent): boolean {
    if (this.configuredEvents.has(event)) return false;
    const cached = this.cached;
    return cached?.events !== undefined && Date.now() - cached.at < CACHE_MS && !cached.events.has(event);
  }

  async list(): Promise<WebhookSubscription[]> {
    const configured = this.config.webhooks.map((webhook): WebhookSubscription => ({
      id: webhook.id,
      url: webhook.url,
      events: webhook.events,
      format: webhook.format,
      source: 'ENV',
      createdBy: null,
      createdAt: null,
      secret: webhook.secret?.reveal() ?? null,
    }));
    return [...configured, ...(await this.stored())];
  }

  async subscribedTo(event: WebhookEvent): Promise<WebhookSubscription[]> {
    return (await this.list()).filter((webhook) => webhook.events.includes(event));
  }

  async find(id: string): Promise<WebhookSubscription | null> {
    return (await this.list()).find((webhook) => webhook.id === id) ?? null;
  }

  /** Checks and stores a subscription; its secret (given, or made here for the standard format) is returned this once. */
  async create(input: WebhookRequestInput): Promise<WebhookSubscription> {
    const refuse = (problem: string): never => {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, problem);
    };
    const urlProblem = webhookUrlProblem(input.url, this.config.webhookRules.allowHttp);
    if (urlProblem) refuse(`url ${urlProblem}`);
    const eventsProblem = webhookEventsProblem(input.events);
    if (eventsProblem) refuse(`events ${eventsProblem}`);
    if (!WEBHOOK_FORMATS.includes(input.format as WebhookFormat)) refuse('format must be standard or slack');
    const format = input.format as WebhookFormat;
    const given = input.secret ?? null;
    if (format === 'slack' && given !== null) refuse('secret goes with format standard only: Slack deliveries are not signed');
    if (given !== null && webhookSecretProblem(given)) refuse(`secret ${webhookSecretProblem(given)}`);
    if ((await this.stored()).length >= MAX_API_WEBHOOKS) refuse(`At most ${MAX_API_WEBHOOKS} webhooks can be made through the API`);
    const secret = format === 'slack' ? null : (given ?? newWebhookSecret());
    const [row] = await this.db.query(
      insertWebhook(this.db.dialect, { url: input.url, events: [...new Set(input.events)], format, secret, createdBy: input.actor }),
    );
    this.cached = null;
    return this.toSubscription(row);
  }

  async delete(id: string): Promise<void> {
    if (id.startsWith('env:')) {
      throw new AolError(AolErrorCode.INVALID_STATE, `Webhook ${id} comes from AOL_WEBHOOKS; remove it there`);
    }
    const rows = /^\d{1,15}$/.test(id) ? await this.db.query(deleteWebhook(Number(id))) : [];
    this.cached = null;
    if (rows.length === 0) throw new AolError(AolErrorCode.NOT_FOUND, `No webhook with id ${id}`);
  }

  private stored(): Promise<WebhookSubscription[]> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.rows;
    const rows = this.db.query(selectWebhooks()).then((found) => found.map((row) => this.toSubscription(row)));
    const cached: NonNullable<typeof this.cached> = { at: Date.now(), rows };
    this.cached = cached;
    rows.then(
      (subscriptions) => (cached.events = new Set(subscriptions.flatMap((webhook) => webhook.events))),
      () => {
        // Forget a failed read, unless a newer one has replaced it meanwhile.
        if (this.cached === cached) this.cached = null;
      },
    );
    return rows;
  }

  private toSubscription(row: Record<string, unknown>): WebhookSubscription {
    return {
      id: String(row.id),
      url: String(row.url),
      events: JSON.parse(String(row.events)) as WebhookEvent[],
      format: row.format as WebhookFormat,
      source: 'API',
      createdBy: String(row.created_by),
      createdAt: this.db.dialect.toDate(row.created_at),
      secret: (row.secret as string | null) ?? null,
    };
  }
}
