import { Logger } from '@nestjs/common';
import { ActionFailure } from '../actions/action-failure';
import { AolError, AolErrorCode } from '../errors/aol-error';
import type { MastodonConfig } from '../config/aol-config';
import type { SocialPlatform, SocialPost } from './social-post';
import type { PublishedPost, SocialPublisher } from './social-publisher';
import { TokenRedactor } from './token-redaction';

/** How a REAL post to Mastodon can fail; each becomes the action's `lastErrorCode`. */
export enum MastodonFailureCode {
  /** The post has media; uploads (POST /api/v2/media) are not implemented. Nothing was sent. */
  MEDIA_NOT_SUPPORTED = 'MEDIA_NOT_SUPPORTED',
  /** A 4xx other than 429: the same request would be refused again. */
  REMOTE_REJECTED = 'REMOTE_REJECTED',
  /** A 3xx: the base URL is not the server's final address. */
  REMOTE_REDIRECTED = 'REMOTE_REDIRECTED',
  /** 429: refused before anything was done, worth trying later. */
  REMOTE_RATE_LIMITED = 'REMOTE_RATE_LIMITED',
  /** A 5xx, or the connection failed. */
  REMOTE_UNAVAILABLE = 'REMOTE_UNAVAILABLE',
  /** No complete answer within AOL_MASTODON_TIMEOUT_SECONDS (or the attempt's own timeout). */
  REMOTE_TIMEOUT = 'REMOTE_TIMEOUT',
  /** A 2xx whose body is not a status: the post probably exists, but its id is unknown. */
  REMOTE_BAD_RESPONSE = 'REMOTE_BAD_RESPONSE',
}

/** Longest piece of a remote error kept on the action: Mastodon's validation messages fit. */
const MAX_REMOTE_TEXT = 300;
/** A status is a few kB; more than this is not an answer from Mastodon, and is not read. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_URL_LENGTH = 2048;
/** Statuses one page of an account's timeline holds at most (Mastodon's limit for `limit`). */
const RECENT_STATUSES = 40;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** A status's HTML as text: line and paragraph breaks kept as whitespace, tags dropped, entities decoded. */
function htmlText(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/p>\s*<p[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      if (name.startsWith('#')) {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      }
      return ENTITIES[name.toLowerCase()] ?? entity;
    });
}

/** Text as compared: whitespace runs as one space, none at the ends. */
function comparableText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Connection errors raised before a byte of the request left: the post cannot exist, so a
 * retry is safe even on a server that ignores Idempotency-Key. Anything else (a reset while
 * waiting, a timeout) leaves the outcome unknown.
 */
const NOT_SENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Publishes through the Mastodon statuses API (`POST /api/v1/statuses`), which Pleroma,
 * Akkoma and GoToSocial serve too. The action's idempotency key goes out as
 * `Idempotency-Key` on every attempt: Mastodon remembers it per account for an hour and
 * answers a repeat with the status it already made, so a retry after a lost answer does
 * not post twice. The access token is sent only in the Authorization header; every text
 * that leaves this class (errors, logs) has it redacted, in case a server echoes it.
 */
export class MastodonPublisher implements SocialPublisher {
  /**
   * AOL_MASTODON_IDEMPOTENT: true for servers that honour Idempotency-Key. Within Mastodon's
   * one-hour window only: a re-run later than that can post again.
   */
  readonly idempotent: boolean;
  private readonly logger = new Logger(MastodonPublisher.name);
  private readonly statusesUrl: string;
  private readonly redactor: TokenRedactor;

  constructor(private readonly config: MastodonConfig) {
    this.idempotent = config.idempotent;
    this.statusesUrl = `${config.baseUrl}/api/v1/statuses`;
    this.redactor = new TokenRedactor(config.accessToken.reveal());
  }

  isConfigured(platform: SocialPlatform): boolean {
    return platform === 'mastodon';
  }

  async publish(post: SocialPost, { idempotencyKey, signal }: { idempotencyKey: string; signal: AbortSignal }): Promise<PublishedPost> {
    if (!this.isConfigured(post.platform)) {
      throw new ActionFailure('REAL_RUN_UNCONFIGURED', `The Mastodon publisher cannot post to ${post.platform}; nothing was sent`, false);
    }
    if (post.mediaUrls && post.mediaUrls.length > 0) {
      throw new ActionFailure(
        MastodonFailureCode.MEDIA_NOT_SUPPORTED,
        'Posting mediaUrls to Mastodon needs media uploads, which AOL does not do yet; nothing was sent (enqueue the post without mediaUrls)',
        false,
      );
    }
    // Our own limit, and the attempt's: whichever ends first aborts the request and its body.
    const timeout = AbortSignal.timeout(this.config.timeoutSeconds * 1000);
    try {
      const response = await fetch(this.statusesUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.config.accessToken.reveal()}`,
          'idempotency-key': idempotencyKey,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ status: post.text, visibility: 'public' }),
        // A redirect would turn the POST into a GET elsewhere; report it instead of following.
        redirect: 'manual',
        signal: AbortSignal.any([signal, timeout]),
      });
      const body = await readBody(response, MAX_RESPONSE_BYTES);
      const published = this.interpret(response, body);
      this.logger.log({
        msg: `Posted status ${published.remoteId} for key ${idempotencyKey}`,
        remoteId: published.remoteId,
        idempotencyKey,
      });
      return published;
    } catch (error) {
      const failure = this.toFailure(error, timeout, signal);
      this.logger.warn({
        msg: `Post for key ${idempotencyKey} failed: ${failure.code} ${failure.message}`,
        idempotencyKey,
        errorCode: failure.code,
      });
      throw failure;
    }
  }

  /**
   * Looks for a status with the post's text among the account's 40 most recent
   * (`GET /api/v1/accounts/verify_credentials`, then `GET /api/v1/accounts/:id/statuses`).
   * Mastodon does not show the Idempotency-Key of a status, so the match is by text: the
   * status's HTML reduced to text (tags dropped, entities decoded, whitespace collapsed)
   * equal to the post's text reduced the same way. Anything older than those 40, deleted, or
   * whose text the server rewrote (a mention written @user@server shows as @user) is not seen.
   * A failure is a REMOTE_LOOKUP_FAILED error: nothing can be concluded from it.
   */
  async findPost(post: SocialPost): Promise<{ found: PublishedPost | null; checked: string }> {
    const account = await this.getJson('/api/v1/accounts/verify_credentials');
    const accountId = isRecord(account) && (typeof account.id === 'string' || typeof account.id === 'number') ? String(account.id) : null;
    if (accountId === null) throw this.lookupFailure('verify_credentials answered without an account id');
    const statuses = await this.getJson(`/api/v1/accounts/${encodeURIComponent(accountId)}/statuses?limit=${RECENT_STATUSES}`);
    if (!Array.isArray(statuses)) throw this.lookupFailure('the account statuses answer is not a list');
    const wanted = comparableText(post.text);
    const match = statuses.find(
      (status) => isRecord(status) && typeof status.content === 'string' && comparableText(htmlText(status.content)) === wanted,
    );
    const handle = isRecord(account) && typeof account.acct === 'string' ? `@${this.clip(account.acct)}` : `account ${accountId}`;
    return {
      found: match === undefined ? null : parseStatus(JSON.stringify(match)),
      checked: `the ${statuses.length} most recent statuses of ${handle}`,
    };
  }

  private async getJson(path: string): Promise<unknown> {
    let response: Response;
    let body: string;
    try {
      response = await fetch(`${this.config.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${this.config.accessToken.reveal()}`, accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutSeconds * 1000),
      });
      body = await readBody(response, MAX_RESPONSE_BYTES);
    } catch (error) {
      throw this.lookupFailure(this.clip([messageOf(error), messageOf(causeOf(error))].filter(Boolean).join(': ')));
    }
    if (response.status !== 200) throw this.lookupFailure(`HTTP ${response.status} ${this.remoteReason(body, response.statusText)}`);
    try {
      return JSON.parse(body);
    } catch {
      throw this.lookupFailure('the answer is not JSON');
    }
  }

  private lookupFailure(detail: string): AolError {
    return new AolError(AolErrorCode.REMOTE_LOOKUP_FAILED, `Could not look the post up on Mastodon: ${detail}; nothing was concluded`);
  }

  /** Maps Mastodon's answer to the post, or to a failure saying whether trying again can help. */
  private interpret(response: Response, body: string): PublishedPost {
    const status = response.status;
    if (status >= 200 && status < 300) {
      const published = parseStatus(body);
      if (published) return published;
      throw new ActionFailure(
        MastodonFailureCode.REMOTE_BAD_RESPONSE,
        this.unknownOutcome(`Mastodon answered HTTP ${status} without a status id`),
        this.idempotent,
      );
    }
    if (status >= 300 && status < 400) {
      const location = response.headers.get('location');
      throw new ActionFailure(
        MastodonFailureCode.REMOTE_REDIRECTED,
        `Mastodon answered HTTP ${status}${location ? ` redirecting to ${this.clip(location)}` : ''}: set AOL_MASTODON_BASE_URL to the server's own address`,
        false,
      );
    }
    const reason = this.remoteReason(body, response.statusText);
    if (status === 429) {
      const reset = response.headers.get('x-ratelimit-reset');
      throw new ActionFailure(
        MastodonFailureCode.REMOTE_RATE_LIMITED,
        `Mastodon rate-limited the post: HTTP 429 ${reason}${reset ? ` (limit resets at ${this.clip(reset)})` : ''}`,
        true,
        rateLimitReset(reset, response.headers.get('retry-after')),
      );
    }
    if (status >= 400 && status < 500) {
      const hint = status === 401 || status === 403 ? ' (check AOL_MASTODON_ACCESS_TOKEN and its write:statuses scope)' : '';
      throw new ActionFailure(MastodonFailureCode.REMOTE_REJECTED, `Mastodon refused the post: HTTP ${status} ${reason}${hint}`, false);
    }
    // A 5xx may come after the status was saved (a proxy timing out, say): only a server that
    // deduplicates on the key makes the retry safe.
    throw new ActionFailure(
      MastodonFailureCode.REMOTE_UNAVAILABLE,
      this.unknownOutcome(`Mastodon failed: HTTP ${status} ${reason}`),
      this.idempotent,
    );
  }

  private toFailure(error: unknown, timeout: AbortSignal, attempt: AbortSignal): ActionFailure {
    if (error instanceof ActionFailure) return error;
    if (timeout.aborted) {
      return new ActionFailure(
        MastodonFailureCode.REMOTE_TIMEOUT,
        this.unknownOutcome(`Mastodon did not answer within ${this.config.timeoutSeconds}s`),
        this.idempotent,
      );
    }
    if (attempt.aborted) {
      // The attempt's own time ran out first; the tick reports that as ACTION_TIMEOUT itself.
      return new ActionFailure(
        MastodonFailureCode.REMOTE_TIMEOUT,
        this.unknownOutcome('The attempt ended before Mastodon answered'),
        this.idempotent,
      );
    }
    const code = errorCode(error);
    const detail = this.clip([messageOf(error), messageOf(causeOf(error))].filter(Boolean).join(': '));
    if (code !== null && NOT_SENT_ERROR_CODES.has(code)) {
      return new ActionFailure(
        MastodonFailureCode.REMOTE_UNAVAILABLE,
        `Could not reach Mastodon at ${this.config.baseUrl}: ${detail}; nothing was sent`,
        true,
      );
    }
    return new ActionFailure(
      MastodonFailureCode.REMOTE_UNAVAILABLE,
      this.unknownOutcome(`The request to Mastodon failed: ${detail}`),
      this.idempotent,
    );
  }

  /** A failure after which the post may or may not exist on the server. */
  private unknownOutcome(message: string): string {
    return this.idempotent
      ? message
      : `${message}. The post may exist: not retried, as AOL_MASTODON_IDEMPOTENT=0; check the account before retrying it`;
  }

  /** Mastodon's `{"error": …}`, or a short plain-text body, or the status text. */
  private remoteReason(body: string, statusText: string): string {
    let reason = body.trim().startsWith('<') ? '' : body;
    try {
      const parsed: unknown = JSON.parse(body);
      if (isRecord(parsed) && typeof parsed.error === 'string') {
        reason = typeof parsed.error_description === 'string' ? `${parsed.error}: ${parsed.error_description}` : parsed.error;
      }
    } catch {
      // Not JSON: keep the text as it came.
    }
    return this.clip(reason.trim() === '' ? statusText : reason);
  }

  /** One line, at most MAX_REMOTE_TEXT characters, with the token removed in whatever form it appears. */
  private clip(text: string): string {
    const line = this.redactor.redact(text).replace(/\s+/g, ' ').trim();
    const characters = [...line];
    return characters.length > MAX_REMOTE_TEXT ? `${characters.slice(0, MAX_REMOTE_TEXT).join('')}…` : line;
  }
}

/** Reads at most `limit` bytes of the body (the rest is dropped): enough for any status. */
async function readBody(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The status Mastodon made: its id (a string in every server's API) and public address. */
/**
 * When a 429 says the limit resets: Mastodon's X-RateLimit-Reset (an ISO 8601 time), else
 * Retry-After (seconds, or an HTTP date); null when neither is readable.
 */
export function rateLimitReset(reset: string | null, retryAfter: string | null, now = Date.now()): Date | null {
  const at = reset === null ? NaN : Date.parse(reset);
  if (!Number.isNaN(at)) return new Date(at);
  if (retryAfter === null) return null;
  const trimmed = retryAfter.trim();
  if (/^\d+$/.test(trimmed)) return new Date(now + Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : new Date(date);
}

function parseStatus(body: string): PublishedPost | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  const id = typeof parsed.id === 'number' ? String(parsed.id) : parsed.id;
  if (typeof id !== 'string' || id === '' || id.length > 255) return null;
  return { remoteId: id, url: webUrl(parsed.url) ?? webUrl(parsed.uri) };
}

/** Only http(s) addresses are kept: the URL is shown to operators as a link. */
function webUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// fetch's errors are duck-typed, not tested with instanceof: undici creates them in Node's own
// realm, which is not the caller's under a VM sandbox (Jest's test environment is one).

/** The error under fetch's "fetch failed": a system error (ECONNREFUSED) or undici's own. */
function causeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
}

/** The system error code of the cause (ECONNREFUSED, UND_ERR_SOCKET, …), if any. */
function errorCode(error: unknown): string | null {
  const cause = causeOf(error);
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  return typeof code === 'string' ? code : null;
}

function messageOf(error: unknown): string {
  if (error === undefined || error === null) return '';
  if (typeof error === 'object' && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}
