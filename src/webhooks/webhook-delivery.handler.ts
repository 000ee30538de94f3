import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { WEBHOOK_EVENTS, WebhookRules } from '../config/webhook-subscriptions';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { ActionFailure } from '../actions/action-failure';
import type { ActionHandler, ActionResult, ActionRunContext } from '../actions/action-handler';
import { ActionType } from '../actions/action-status';
import { ExecutionMode } from '../actions/execution-mode';
import { ArtifactStore } from '../social/artifact-store';
import { signWebhook } from './standard-webhooks';
import { sendWebhook } from './webhook-sender';
import { WebhookSubscription, WebhooksService } from './webhooks.service';

/** The message a receiver gets (format standard): Standard Webhooks' `type`, `timestamp`, `data`. */
export interface WebhookMessage {
  type: string;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  data: Record<string, unknown>;
}

/** A WEBHOOK action's payload: which subscription, and the message. No secret: payloads are shown to every reader. */
export interface WebhookPayload {
  subscriptionId: string;
  message: WebhookMessage;
}

/** One line for a Slack channel. */
function slackText(message: WebhookMessage): string {
  const { data } = message;
  if (message.type.startsWith('action.')) {
    const error = data.lastErrorCode ? ` (${String(data.lastErrorCode)}: ${String(data.lastError ?? '')})` : '';
    return `AOL ${message.type}: action ${String(data.id)} ${String(data.type)} "${String(data.idempotencyKey)}" is ${String(data.status)}${error}`;
  }
  if (message.type === 'leader.changed') return `AOL leader.changed: ${String(data.owner)} leads with epoch ${String(data.epoch)}`;
  return `AOL control.changed: paused=${String(data.paused)} killed=${String(data.killed)} proofMode=${String(data.proofMode)} by ${String(data.updatedBy)}: ${String(data.reason)}`;
}

/** Where a delivery goes, as an artifact may show it: a Slack URL's path is its credential. */
function shownDestination(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}/…`;
}

/**
 * WEBHOOK: delivers one event to one subscription. PROOF mode holds it like any effect outside
 * the process and writes the request it would send as an artifact; REAL mode POSTs it, signed
 * per Standard Webhooks. The webhook-id is the action's idempotency key, the same on every
 * attempt, so a receiver drops a repeat.
 */
@Injectable()
export class WebhookDeliveryHandler implements ActionHandler {
  readonly type = ActionType.WEBHOOK;
  private readonly rules: WebhookRules;

  constructor(
    private readonly webhooks: WebhooksService,
    private readonly artifacts: ArtifactStore,
    config: AolConfig,
  ) {
    this.rules = config.webhookRules;
  }

  parsePayload(payload: unknown): Record<string, unknown> {
    const { subscriptionId, message } = (payload ?? {}) as Partial<WebhookPayload>;
    const valid =
      typeof subscriptionId === 'string' &&
      typeof message === 'object' &&
      message !== null &&
      (WEBHOOK_EVENTS as readonly string[]).includes(message.type) &&
      typeof message.timestamp === 'string' &&
      typeof message.data === 'object' &&
      message.data !== null;
    if (!valid)
      throw new AolError(AolErrorCode.BAD_USER_INPUT, 'WEBHOOK payload must be {"subscriptionId","message":{"type","timestamp","data"}}');
    return { subscriptionId, message };
  }

  /** Receivers dedupe on webhook-id (Standard Webhooks is at-least-once): a repeat is harmless. */
  isIdempotent(): boolean {
    return true;
  }

  async execute(context: ActionRunContext): Promise<ActionResult> {
    const { action, mode } = context;
    const { subscriptionId, message } = action.payload as unknown as WebhookPayload;
    const subscription = await this.webhooks.find(subscriptionId);
    if (!subscription) {
      throw new ActionFailure('WEBHOOK_SUBSCRIPTION_GONE', `Webhook ${subscriptionId} no longer exists; nothing was sent`, false);
    }
    const body = JSON.stringify(subscription.format === 'slack' ? { text: slackText(message) } : message);
    const keyHash = createHash('sha256').update(action.idempotencyKey).digest('hex').slice(0, 12);
    const artifactPath = `webhooks/action-${action.id}-${keyHash}.json`;
    const record = {
      actionId: action.id,
      type: action.type,
      webhookId: action.idempotencyKey,
      subscriptionId,
      destination: shownDestination(subscription.url),
      format: subscription.format,
      body,
    };
    if (mode === ExecutionMode.PROOF) return this.artifacts.writeJson(artifactPath, { ...record, mode: ExecutionMode.PROOF });
    const response = await sendWebhook({
      url: subscription.url,
      headers: this.headers(subscription, action.idempotencyKey, body),
      body,
      timeoutMs: this.rules.timeoutSeconds * 1000,
      allowPrivate: this.rules.allowPrivate,
      // Read here, not up front: a PROOF delivery never makes the attempt's signal.
      signal: context.signal,
    });
    return this.artifacts.writeJson(artifactPath, { ...record, mode: ExecutionMode.REAL, response });
  }

  private headers(subscription: WebhookSubscription, id: string, body: string): Record<string, string> {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(timestamp) };
    if (subscription.secret !== null) headers['webhook-signature'] = signWebhook(subscription.secret, id, timestamp, body);
    return headers;
  }
}
