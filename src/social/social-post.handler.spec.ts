import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { AolError } from '../errors/aol-error';
import { ActionFailure } from '../actions/action-failure';
import { ExecutionMode } from '../actions/execution-mode';
import { ActionType } from '../actions/action-status';
import type { AolConfig } from '../config/aol-config';
import { ArtifactStore } from './artifact-store';
import { SocialPostHandler } from './social-post.handler';
import { NoSocialPublisher } from './social-publisher';

describe('SocialPostHandler', () => {
  let dir: string;
  let handler: SocialPostHandler;
  let store: ArtifactStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aol-artifacts-'));
    store = new ArtifactStore({ artifactDir: dir } as AolConfig);
    handler = new SocialPostHandler(store, new NoSocialPublisher());
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  describe('parsePayload', () => {
    it('keeps a valid post, trimmed, without undeclared fields', () => {
      expect(handler.parsePayload({ platform: 'mastodon', text: '  hi  ', mediaUrls: ['https://example.com/a.png'] })).toEqual({
        platform: 'mastodon',
        text: 'hi',
        mediaUrls: ['https://example.com/a.png'],
      });
    });

    it('counts characters, not UTF-16 units, against the platform limit', () => {
      expect(() => handler.parsePayload({ platform: 'x', text: '🚀'.repeat(280) })).not.toThrow();
      expect(() => handler.parsePayload({ platform: 'x', text: '🚀'.repeat(281) })).toThrow(/at most 280 characters on x \(got 281\)/);
    });

    it.each([
      [null],
      [[1, 2]],
      ['text'],
      [{ platform: 'x' }],
      [{ platform: 'x', text: '   ' }],
      [{ platform: 'x', text: 5 }],
      [{ platform: 'x', text: 'a', mediaUrls: 'https://example.com' }],
      [{ platform: 'x', text: 'a', mediaUrls: ['https://a.io/1', 'https://a.io/2', 'https://a.io/3', 'https://a.io/4', 'https://a.io/5'] }],
      [{ platform: 'x', text: 'a', extra: true }],
    ])('refuses %j with BAD_USER_INPUT', (payload) => {
      expect(() => handler.parsePayload(payload)).toThrow(AolError);
    });

    it.each([
      [{ platform: 'myspace', text: 'a' }, 'platform must be one of mastodon, bluesky, x, linkedin'],
      [{ platform: 'x', text: 5 }, 'text must be a string'],
      [{ platform: 'x', text: '  ' }, 'text must not be empty'],
      [{ platform: 'bluesky', text: 'a'.repeat(301) }, 'text must be at most 300 characters on bluesky (got 301)'],
      [{ platform: 'x', text: 'a', mediaUrls: 'https://a.io' }, 'mediaUrls must be a list of URLs'],
      [{ platform: 'x', text: 'a', mediaUrls: ['http://a.io/1.png'] }, 'each of mediaUrls must be an https:// URL'],
      [{ platform: 'x', text: 'a', mediaUrls: ['a.io/1.png'] }, 'each of mediaUrls must be an https:// URL'],
      [{ platform: 'x', text: 'a', mediaUrls: [7] }, 'each of mediaUrls must be an https:// URL'],
      [{ platform: 'x', text: 'a', mediaUrls: [`https://a.io/${'p'.repeat(2048)}`] }, 'each of mediaUrls must be at most 2048 characters'],
      [{ platform: 'x', text: 'a', extra: true }, 'property extra should not exist'],
    ])('names the problem with %j', (payload, problem) => {
      expect(() => handler.parsePayload(payload)).toThrow(
        expect.objectContaining({ code: 'BAD_USER_INPUT', details: { problems: [problem] } }),
      );
    });

    it('lists every problem at once, and takes a null mediaUrls as none', () => {
      expect(() => handler.parsePayload({ platform: 'nope', text: '', more: 1 })).toThrow(
        'Invalid POST_SOCIAL payload: property more should not exist; platform must be one of mastodon, bluesky, x, linkedin; text must not be empty',
      );
      expect(handler.parsePayload({ platform: 'x', text: 'hi', mediaUrls: null })).toEqual({ platform: 'x', text: 'hi' });
    });
  });

  describe('execute', () => {
    const action = {
      id: 7,
      idempotencyKey: '../../etc/passwd',
      type: ActionType.POST_SOCIAL,
      payload: { platform: 'x', text: 'hello' },
      attempt: 1,
    };

    it('in PROOF mode writes the post as a JSON artifact inside the directory and returns its SHA-256', async () => {
      const result = await handler.execute({ action, mode: ExecutionMode.PROOF, signal: new AbortController().signal });
      expect(result.artifactRef).toMatch(/^social\/action-7-[0-9a-f]{12}\.json$/);
      const bytes = await readFile(join(dir, result.artifactRef!));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.artifactSha256);
      expect(JSON.parse(bytes.toString()).post).toEqual({ platform: 'x', text: 'hello' });
    });

    it('writes the same bytes when an attempt is repeated', async () => {
      const first = await handler.execute({ action, mode: ExecutionMode.PROOF, signal: new AbortController().signal });
      const second = await handler.execute({
        action: { ...action, attempt: 2 },
        mode: ExecutionMode.PROOF,
        signal: new AbortController().signal,
      });
      expect(second).toEqual(first);
    });

    it('in REAL mode with no publisher fails with the non-retryable REAL_RUN_UNCONFIGURED', async () => {
      const run = handler.execute({ action, mode: ExecutionMode.REAL, signal: new AbortController().signal });
      await expect(run).rejects.toBeInstanceOf(ActionFailure);
      await expect(run).rejects.toMatchObject({ code: 'REAL_RUN_UNCONFIGURED', retryable: false });
    });
  });
});

describe('ArtifactStore', () => {
  it('refuses any reference that leaves the artifact directory', () => {
    const store = new ArtifactStore({ artifactDir: '/srv/artifacts' } as AolConfig);
    expect(() => store.resolveInside('../x.json')).toThrow(/outside the artifact directory/);
    expect(() => store.resolveInside('/etc/passwd')).toThrow(/outside the artifact directory/);
    expect(() => store.resolveInside('')).toThrow(/outside the artifact directory/);
    expect(store.resolveInside('social/a.json')).toBe('/srv/artifacts/social/a.json');
  });
});
