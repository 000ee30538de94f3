import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signWebhook } from './standard-webhooks';

describe('Standard Webhooks signing', () => {
  it('signs so that the standardwebhooks library verifies it', () => {
    const secret = newWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"type":"control.changed","timestamp":"2026-12-08T10:00:00.000Z","data":{"paused":true}}';
    const headers = { 'webhook-id': 'webhook:env:ops:control.changed:1', 'webhook-timestamp': String(timestamp) };
    const signature = signWebhook(secret, headers['webhook-id'], timestamp, body);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-signature': signature })).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers, 'webhook-signature': signature })).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers, 'webhook-signature': signature })).toThrow();
  });
});
