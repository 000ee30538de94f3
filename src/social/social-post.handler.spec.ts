import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { AolError } from '../errors/aol-error';
import { ActionFailure } from '../action-handlers/action-handler';
import { ExecutionMode } from '../control/execution-mode';
import { ActionType } from '../queue/action-status';
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
  });

  describe('execute', () => {
    const action = { id: 7, idempotencyKey: '../../etc/passwd', type: ActionType.POST_SOCIAL, payload: { platform: 'x', text: 'hello' }, attempt: 1 };

    it('in PROOF mode writes the post as a JSON artifact inside the directory and returns its SHA-256', async () => {
      const result = await handler.execute({ action, mode: ExecutionMode.PROOF, signal: new AbortController().signal });
      expect(result.artifactRef).toMatch(/^social\/action-7-[0-9a-f]{12}\.json$/);
      const bytes = await readFile(join(dir, result.artifactRef!));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.artifactSha256);
      expect(JSON.parse(bytes.toString()).post).toEqual({ platform: 'x', text: 'hello' });
    });

    it('writes the same bytes when an attempt is repeated', async () => {
      const first = await handler.execute({ action, mode: ExecutionMode.PROOF, signal: new AbortController().signal });
      const second = await handler.execute({ action: { ...action, attempt: 2 }, mode: ExecutionMode.PROOF, signal: new AbortController().signal });
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
