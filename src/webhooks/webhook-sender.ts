import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ActionFailure } from '../actions/action-failure';
import { assertAddressAllowed, guardedLookup } from './address-guard';

/** What is kept of a receiver's answer: its status and its first bytes, never more. */
export interface WebhookResponse {
  status: number;
  bodyStart: string;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  signal: AbortSignal;
}

/** A receiver's reply beyond this is read and dropped: an answer cannot fill the database. */
export const MAX_KEPT_RESPONSE_BYTES = 512;

/**
 * POSTs one delivery. node:http never follows redirects, so a 3xx is a failure like any other
 * non-2xx; without the private-address allowance the host is checked before any connection
 * (an IP literal here, a name in guardedLookup). 5xx, 408, 429, timeouts and network errors
 * are retryable; other statuses and refused addresses are not.
 */
export function sendWebhook(delivery: WebhookRequest): Promise<WebhookResponse> {
  const url = new URL(delivery.url);
  if (!delivery.allowPrivate) assertAddressAllowed(url.hostname);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookResponse>((resolve, reject) => {
    const timeout = AbortSignal.timeout(delivery.timeoutMs);
    const signal = AbortSignal.any([delivery.signal, timeout]);
    const outgoing = request(
      url,
      {
        method: 'POST',
        // A connection per delivery: nothing pooled outlives the address check that opened it.
        agent: false,
        headers: { 'content-type': 'application/json', 'user-agent': 'AOL-Webhooks', ...delivery.headers },
        signal,
        ...(delivery.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        const kept: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_KEPT_RESPONSE_BYTES) kept.push(chunk.subarray(0, MAX_KEPT_RESPONSE_BYTES - size));
          size += chunk.length;
        });
        response.on('error', (error) => reject(failureOf(error, timeout)));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const bodyStart = Buffer.concat(kept).toString('utf8');
          if (status >= 200 && status < 300) return resolve({ status, bodyStart });
          const retryable = status >= 500 || status === 408 || status === 429;
          const what = status >= 300 && status < 400 ? `redirected (${status}); redirects are not followed` : `answered ${status}`;
          reject(new ActionFailure(`WEBHOOK_HTTP_${status}`, `The receiver ${what}: ${bodyStart.slice(0, 200)}`, retryable));
        });
      },
    );
    outgoing.on('error', (error) => reject(failureOf(error, timeout)));
    outgoing.end(delivery.body);
  });
}

function failureOf(error: Error, timeout: AbortSignal): ActionFailure {
  if (error instanceof ActionFailure) return error;
  if (timeout.aborted) return new ActionFailure('WEBHOOK_TIMEOUT', 'The receiver did not answer in time', true);
  return new ActionFailure('WEBHOOK_UNREACHABLE', `The receiver could not be reached: ${error.message}`, true);
}
