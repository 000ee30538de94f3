import { Secret } from './secret';
import { hasCredentials, isLoopbackHost } from './url-rules';

/** The events a webhook can subscribe to. */
export const WEBHOOK_EVENTS = [
  'action.succeeded',
  'action.dead_lettered',
  'action.needs_review',
  'action.awaiting_approval',
  'control.changed',
  'leader.changed',
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** standard: a signed JSON body (Standard Webhooks); slack: `{ "text": … }` for a Slack incoming webhook, unsigned. */
export type WebhookFormat = 'standard' | 'slack';

export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ['standard', 'slack'];

/** Where deliveries may go, and how long one may take. */
export interface WebhookRules {
  /** AOL_WEBHOOK_ALLOW_HTTP=1: plain http:// to any host, not only loopback. */
  allowHttp: boolean;
  /** AOL_WEBHOOK_ALLOW_PRIVATE=1: deliveries to private, loopback and link-local addresses. */
  allowPrivate: boolean;
  timeoutSeconds: number;
}

/** A subscription from AOL_WEBHOOKS; its id is `env:` + its name. */
export interface ConfiguredWebhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  format: WebhookFormat;
  /** Null only for the slack format, which is not signed. */
  secret: Secret | null;
}

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/;
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
const MAX_URL_LENGTH = 2000;

/**
 * Why `value` may not be a webhook address, or null when it may: https (http only to loopback
 * unless allowed), no user name or password (they would travel in logs and proxies).
 */
export function webhookUrlProblem(value: string, allowHttp: boolean): string | null {
  if (value.length > MAX_URL_LENGTH || !URL.canParse(value)) return `must be an absolute URL of at most ${MAX_URL_LENGTH} characters`;
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https://';
  if (url.protocol === 'http:' && !allowHttp && !isLoopbackHost(url.hostname)) {
    return 'must use https:// (http:// only to localhost, 127.x.x.x or [::1], unless AOL_WEBHOOK_ALLOW_HTTP=1)';
  }
  if (hasCredentials(value, url)) {
    return 'must not contain a user name or password';
  }
  return null;
}

/** Why `value` is not a Standard Webhooks secret (`whsec_` + base64 of at least 12 bytes), or null. */
export function webhookSecretProblem(value: string): string | null {
  return SECRET_PATTERN.test(value) ? null : 'must be whsec_ followed by the base64 of at least 12 random bytes';
}

/** Why a list of event names is not usable, or null. */
export function webhookEventsProblem(events: unknown): string | null {
  if (!Array.isArray(events) || events.length === 0) return `must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}`;
  const unknown = events.filter((event) => !(WEBHOOK_EVENTS as readonly unknown[]).includes(event));
  if (unknown.length > 0) return `has unknown events ${JSON.stringify(unknown)} (known: ${WEBHOOK_EVENTS.join(', ')})`;
  return null;
}

/**
 * AOL_WEBHOOKS: a JSON array of `{"name","url","events","format"?,"secretEnv"?}`. The secret
 * is not in the array but in the variable `secretEnv` names, so the list itself holds nothing
 * secret. Returns the subscriptions, or the problems (each naming AOL_WEBHOOKS, never a secret).
 */
export function parseWebhooks(
  text: string | undefined,
  env: Record<string, string | undefined>,
  allowHttp: boolean,
): ConfiguredWebhook[] | string[] {
  if (text === undefined) return [];
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    return [
      'AOL_WEBHOOKS must be a JSON array like [{"name":"ops","url":"https://…","events":["action.dead_lettered"],"secretEnv":"OPS_WEBHOOK_SECRET"}]',
    ];
  }
  if (!Array.isArray(entries)) return ['AOL_WEBHOOKS must be a JSON array of subscriptions'];
  const problems: string[] = [];
  const webhooks: ConfiguredWebhook[] = [];
  const names = new Set<string>();
  entries.forEach((entry: unknown, index) => {
    const where = `AOL_WEBHOOKS[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const { name, url, events, format = 'standard', secretEnv, ...extra } = entry as Record<string, unknown>;
    const before = problems.length;
    if (Object.keys(extra).length > 0) problems.push(`${where} has unknown fields ${Object.keys(extra).join(', ')}`);
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) problems.push(`${where}.name must be 1 to 40 letters, digits, _ or -`);
    else if (names.has(name)) problems.push(`${where}.name ${name} is used twice`);
    else names.add(name);
    const urlProblem = typeof url === 'string' ? webhookUrlProblem(url, allowHttp) : 'must be a string';
    if (urlProblem) problems.push(`${where}.url ${urlProblem}`);
    const eventsProblem = webhookEventsProblem(events);
    if (eventsProblem) problems.push(`${where}.events ${eventsProblem}`);
    if (!WEBHOOK_FORMATS.includes(format as WebhookFormat)) problems.push(`${where}.format must be standard or slack`);
    let secret: Secret | null = null;
    if (secretEnv !== undefined) {
      const value = typeof secretEnv === 'string' ? env[secretEnv] : undefined;
      if (value === undefined || value === '') problems.push(`${where}.secretEnv names a variable that is not set`);
      else if (webhookSecretProblem(value)) problems.push(`${where}: the variable secretEnv names ${webhookSecretProblem(value)}`);
      else secret = new Secret(value);
    } else if (format === 'standard') {
      problems.push(`${where}.secretEnv must name the variable holding the signing secret (format standard signs every delivery)`);
    }
    if (problems.length > before) return;
    webhooks.push({
      id: `env:${name as string}`,
      url: url as string,
      events: events as WebhookEvent[],
      format: format as WebhookFormat,
      secret,
    });
  });
  return problems.length > 0 ? problems : webhooks;
}
