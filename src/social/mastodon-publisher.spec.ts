import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActionFailure } from '../actions/action-failure';
import { AolConfig, loadConfig, MastodonConfig, Secret } from '../config/aol-config';
import { FakeMastodon } from '../../test/support/fake-mastodon';
import { MastodonPublisher, rateLimitReset } from './mastodon-publisher';
import type { SocialPost } from './social-post';
import { NoSocialPublisher } from './social-publisher';
import { createSocialPublisher } from './social.module';

const TOKEN = 'tok_Sup3rS3cret-publisher-spec';
const POST: SocialPost = { platform: 'mastodon', text: 'Launch day!' };

function settings(baseUrl: string, overrides: Partial<MastodonConfig> = {}): MastodonConfig {
  return { baseUrl, accessToken: new Secret(TOKEN), timeoutSeconds: 1, idempotent: true, ...overrides };
}

function publishOptions(idempotencyKey = 'launch-1', signal = new AbortController().signal) {
  return { idempotencyKey, signal };
}

/** The ActionFailure a publish ends with; the token must not be anywhere in it. */
async function failureOf(run: Promise<unknown>): Promise<ActionFailure> {
  const error = await run.then(
    () => {
      throw new Error('expected the publish to fail');
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ActionFailure);
  const failure = error as ActionFailure;
  expect(`${failure.code} ${failure.message} ${failure.stack ?? ''}`).not.toContain(TOKEN);
  return failure;
}

describe('MastodonPublisher against a fake Mastodon', () => {
  let fake: FakeMastodon;
  let publisher: MastodonPublisher;

  beforeEach(async () => {
    fake = await FakeMastodon.start({ token: TOKEN });
    publisher = new MastodonPublisher(settings(fake.url));
  });

  afterEach(() => fake.close());

  it('posts the text as a public status with the bearer token and the idempotency key, and returns its id and URL', async () => {
    const published = await publisher.publish(POST, publishOptions('launch-1'));
    expect(fake.statuses).toHaveLength(1);
    expect(published).toEqual({ remoteId: fake.statuses[0].id, url: fake.statuses[0].url });
    const [request] = fake.statusRequests;
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['idempotency-key']).toBe('launch-1');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ status: 'Launch day!', visibility: 'public' });
  });

  it('gets the same status back for the same key, and the server makes one post', async () => {
    const first = await publisher.publish(POST, publishOptions('same-key'));
    const second = await publisher.publish(POST, publishOptions('same-key'));
    expect(second).toEqual(first);
    expect(fake.statuses).toHaveLength(1);
    expect(fake.statusRequests).toHaveLength(2);
  });

  it('answers only for mastodon, and says its effect is idempotent as configured', () => {
    expect(publisher.isConfigured('mastodon')).toBe(true);
    expect(publisher.isConfigured('bluesky')).toBe(false);
    expect(publisher.idempotent).toBe(true);
    expect(new MastodonPublisher(settings(fake.url, { idempotent: false })).idempotent).toBe(false);
  });

  it('refuses a post with media before sending anything: MEDIA_NOT_SUPPORTED, not retryable', async () => {
    const failure = await failureOf(publisher.publish({ ...POST, mediaUrls: ['https://example.com/a.png'] }, publishOptions()));
    expect(failure).toMatchObject({ code: 'MEDIA_NOT_SUPPORTED', retryable: false });
    expect(failure.message).toMatch(/nothing was sent/);
    expect(fake.requests).toHaveLength(0);
  });

  it('maps a 422 to REMOTE_REJECTED, not retryable, with the status and Mastodon’s error cut to 300 characters', async () => {
    fake.script({ status: 422, error: `Validation failed: ${'x'.repeat(1000)}` });
    const failure = await failureOf(publisher.publish(POST, publishOptions()));
    expect(failure).toMatchObject({ code: 'REMOTE_REJECTED', retryable: false });
    expect(failure.message).toMatch(/^Mastodon refused the post: HTTP 422 Validation failed: x+…$/);
    expect(failure.message.length).toBeLessThan(400);
  });

  it('maps a refused token (401) to REMOTE_REJECTED with a hint, never quoting the token', async () => {
    const wrong = new MastodonPublisher({ ...settings(fake.url), accessToken: new Secret('tok_wrong-one') });
    const failure = await failureOf(wrong.publish(POST, publishOptions()));
    expect(failure).toMatchObject({ code: 'REMOTE_REJECTED', retryable: false });
    expect(failure.message).toBe(
      'Mastodon refused the post: HTTP 401 The access token is invalid (check AOL_MASTODON_ACCESS_TOKEN and its write:statuses scope)',
    );
    expect(failure.message).not.toContain('tok_wrong-one');
  });

  it('redacts the token when a server echoes it back', async () => {
    fake.script({ status: 400, error: `bad header Authorization: Bearer ${TOKEN}` });
    const failure = await failureOf(publisher.publish(POST, publishOptions()));
    expect(failure.message).toBe('Mastodon refused the post: HTTP 400 bad header Authorization: Bearer [secret]');
  });

  it.each([
    ['URL-encoded', encodeURIComponent(`Bearer ${TOKEN}`)],
    ['in base64', Buffer.from(`Bearer ${TOKEN}`).toString('base64')],
    ['split by quoting', `"${TOKEN.slice(0, 9)}" "${TOKEN.slice(9)}"`],
  ])('keeps the token out of the failure when a server echoes it %s', async (_form, echo) => {
    fake.script({ status: 400, error: `bad header ${echo}` });
    const failure = await failureOf(publisher.publish(POST, publishOptions()));
    expect(failure.message).toMatch(
      /^Mastodon refused the post: HTTP 400 (bad header \S*\[secret\]\S*|\[the answer is not shown: it contained the access token\])$/,
    );
    expect(failure.message).not.toContain(TOKEN.slice(4, 20));
  });

  it('maps a 429 to REMOTE_RATE_LIMITED, retryable, with the reset time', async () => {
    fake.script({ status: 429, error: 'Too many requests', headers: { 'x-ratelimit-reset': '2026-11-30T12:00:00.000Z' } });
    const failure = await failureOf(publisher.publish(POST, publishOptions()));
    expect(failure).toMatchObject({ code: 'REMOTE_RATE_LIMITED', retryable: true });
    expect(failure.message).toBe('Mastodon rate-limited the post: HTTP 429 Too many requests (limit resets at 2026-11-30T12:00:00.000Z)');
  });

  it.each([500, 502, 503])('maps a %i to REMOTE_UNAVAILABLE, retryable', async (status) => {
    fake.script({ status, body: '<html><body>Bad gateway</body></html>' });
    const failure = await failureOf(publisher.publish(POST, publishOptions()));
    expect(failure).toMatchObject({ code: 'REMOTE_UNAVAILABLE', retryable: true });
    expect(failure.message).toMatch(new RegExp(`^Mastodon failed: HTTP ${status} \\S`));
    expect(failure.message).not.toContain('<html>');
  });

  it('gives up on a server that never answers after AOL_MASTODON_TIMEOUT_SECONDS: REMOTE_TIMEOUT, retryable', async () => {
    fake.script({ hang: true });
    const started = Date.now();
    const failure = await failureOf(publisher.publish(POST, publishOptions()));
    expect(failure).toMatchObject({ code: 'REMOTE_TIMEOUT', retryable: true, message: 'Mastodon did not answer within 1s' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops waiting as soon as the attempt’s signal aborts', async () => {
    fake.script({ hang: true });
    const attempt = new AbortController();
    const started = Date.now();
    const run = publisher.publish(POST, publishOptions('abort-1', attempt.signal));
    setTimeout(() => attempt.abort(), 50);
    const failure = await failureOf(run);
    expect(failure).toMatchObject({ code: 'REMOTE_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('on a server without idempotency keys, does not retry what may have been posted', async () => {
    const careful = new MastodonPublisher(settings(fake.url, { idempotent: false }));
    fake.script({ status: 500, createFirst: true }, { hang: true });
    const failed = await failureOf(careful.publish(POST, publishOptions()));
    expect(failed).toMatchObject({ code: 'REMOTE_UNAVAILABLE', retryable: false });
    expect(failed.message).toMatch(/The post may exist: not retried, as AOL_MASTODON_IDEMPOTENT=0/);
    expect(await failureOf(careful.publish(POST, publishOptions()))).toMatchObject({ code: 'REMOTE_TIMEOUT', retryable: false });
    expect(fake.statuses).toHaveLength(1);
  });

  it('maps a 2xx without a status id to REMOTE_BAD_RESPONSE, retryable where the key makes that safe', async () => {
    fake.script({ status: 200, body: 'ok' });
    expect(await failureOf(publisher.publish(POST, publishOptions()))).toMatchObject({ code: 'REMOTE_BAD_RESPONSE', retryable: true });
  });

  it('keeps only http(s) post URLs', async () => {
    fake.script({
      status: 200,
      body: JSON.stringify({ id: '42', url: 'javascript:alert(1)', uri: 'https://example.social/users/a/statuses/42' }),
    });
    expect(await publisher.publish(POST, publishOptions())).toEqual({ remoteId: '42', url: 'https://example.social/users/a/statuses/42' });
  });

  it('reports a redirect instead of following it', async () => {
    fake.script({ status: 301, body: '', headers: { location: 'https://elsewhere.example/api/v1/statuses' } });
    const failure = await failureOf(publisher.publish(POST, publishOptions()));
    expect(failure).toMatchObject({ code: 'REMOTE_REDIRECTED', retryable: false });
    expect(failure.message).toMatch(/HTTP 301 redirecting to https:\/\/elsewhere\.example\/api\/v1\/statuses/);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('MastodonPublisher without a fake', () => {
  it('retries what could not be sent at all (connection refused), even on a server without idempotency keys', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const publisher = new MastodonPublisher(settings(`http://127.0.0.1:${port}`, { idempotent: false }));
    const failure = await failureOf(publisher.publish(POST, publishOptions()));
    expect(failure).toMatchObject({ code: 'REMOTE_UNAVAILABLE', retryable: true });
    expect(failure.message).toBe(
      `Could not reach Mastodon at http://127.0.0.1:${port}: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}; nothing was sent`,
    );
  });

  it('finds a post by its text in statuses as Mastodon renders them: links split into spans, line breaks, entities', async () => {
    const text = 'Read https://example.com/a/very/long/path & tell us <3\nSee you';
    const rendered =
      '<p>Read <a href="https://example.com/a/very/long/path" rel="nofollow noopener" target="_blank">' +
      '<span class="invisible">https://</span><span class="ellipsis">example.com/a/very/lo</span><span class="invisible">ng/path</span></a>' +
      ' &amp; tell us &lt;3<br />See you</p>';
    const statuses = [
      { id: '2', url: 'https://social.example/@aol/2', content: '<p>Another post</p>' },
      { id: '1', url: 'https://social.example/@aol/1', content: rendered },
    ];
    const server = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(request.url === '/api/v1/accounts/verify_credentials' ? { id: '7', acct: 'aol' } : statuses));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const publisher = new MastodonPublisher(settings(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      expect(await publisher.findPost({ platform: 'mastodon', text })).toEqual({
        found: { remoteId: '1', url: 'https://social.example/@aol/1' },
        checked: 'the 2 most recent statuses of @aol',
      });
      expect((await publisher.findPost({ platform: 'mastodon', text: 'Never posted' })).found).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a server that closes the connection mid-request as REMOTE_UNAVAILABLE', async () => {
    const server = createServer((request) => request.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const publisher = new MastodonPublisher(settings(`http://127.0.0.1:${port}`));
      const failure = await failureOf(publisher.publish(POST, publishOptions()));
      expect(failure).toMatchObject({ code: 'REMOTE_UNAVAILABLE', retryable: true });
      expect(failure.message).toMatch(/^The request to Mastodon failed: fetch failed/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('createSocialPublisher', () => {
  it('is NoSocialPublisher when Mastodon is not configured', () => {
    const publisher = createSocialPublisher(loadConfig({}));
    expect(publisher).toBeInstanceOf(NoSocialPublisher);
    expect(publisher.isConfigured('mastodon')).toBe(false);
  });

  it('is the Mastodon publisher when it is', () => {
    const config: AolConfig = loadConfig({ AOL_MASTODON_BASE_URL: 'https://mastodon.example/', AOL_MASTODON_ACCESS_TOKEN: TOKEN });
    const publisher = createSocialPublisher(config);
    expect(publisher).toBeInstanceOf(MastodonPublisher);
    expect(publisher.isConfigured('mastodon')).toBe(true);
    expect(publisher.isConfigured('x')).toBe(false);
    expect(publisher.idempotent).toBe(true);
  });
});

describe('rateLimitReset', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  it("reads Mastodon's X-RateLimit-Reset first, then Retry-After in seconds or as an HTTP date", () => {
    expect(rateLimitReset('2026-12-06T12:05:00.000Z', '30', now)).toEqual(new Date('2026-12-06T12:05:00Z'));
    expect(rateLimitReset(null, '30', now)).toEqual(new Date('2026-12-06T12:00:30Z'));
    expect(rateLimitReset('soon', 'Sun, 06 Dec 2026 12:10:00 GMT', now)).toEqual(new Date('2026-12-06T12:10:00Z'));
  });

  it('is null when neither says when', () => {
    expect(rateLimitReset(null, null, now)).toBeNull();
    expect(rateLimitReset('later', 'whenever', now)).toBeNull();
  });
});
