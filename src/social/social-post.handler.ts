import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { ActionFailure } from '../actions/action-failure';
import type { ActionHandler, ActionResult, ActionRunContext, ActionToRun, RemoteLookup } from '../actions/action-handler';
import { ActionType } from '../actions/action-status';
import { ExecutionMode } from '../actions/execution-mode';
import { ArtifactStore } from './artifact-store';
import { parseSocialPost, SocialPost } from './social-post';
import { SOCIAL_PUBLISHER, SocialPublisher } from './social-publisher';

/**
 * POST_SOCIAL. In PROOF mode nothing leaves the process: the post that would have been
 * made is written as an artifact. In REAL mode it goes through the configured publisher,
 * or fails with the non-retryable REAL_RUN_UNCONFIGURED when there is none.
 */
@Injectable()
export class SocialPostHandler implements ActionHandler {
  readonly type = ActionType.POST_SOCIAL;

  constructor(
    private readonly artifacts: ArtifactStore,
    @Inject(SOCIAL_PUBLISHER) private readonly publisher: SocialPublisher,
  ) {}

  parsePayload(payload: unknown): Record<string, unknown> {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, 'POST_SOCIAL payload must be an object like {"platform":"mastodon","text":"…"}');
    }
    const parsed = parseSocialPost(payload as Record<string, unknown>);
    if ('problems' in parsed) {
      throw new AolError(AolErrorCode.BAD_USER_INPUT, `Invalid POST_SOCIAL payload: ${parsed.problems.join('; ')}`, {
        problems: parsed.problems,
      });
    }
    return { ...parsed.post };
  }

  /** PROOF rewrites the same artifact; REAL is as idempotent as the publisher (Idempotency-Key). */
  isIdempotent(mode: ExecutionMode): boolean {
    return mode === ExecutionMode.PROOF || this.publisher.idempotent;
  }

  async execute(context: ActionRunContext): Promise<ActionResult> {
    const { action, mode } = context;
    const post = action.payload as unknown as SocialPost;
    // Named by id and a hash of the key, never the key itself: no key can shape a path, and a
    // fresh database reusing an id does not overwrite an older deployment's artifact.
    const keyHash = createHash('sha256').update(action.idempotencyKey).digest('hex').slice(0, 12);
    const artifactPath = `social/action-${action.id}-${keyHash}.json`;
    // Deterministic content (no clock, no attempt number): a repeated PROOF attempt rewrites
    // the same bytes, so re-running it is harmless.
    const record = { actionId: action.id, type: action.type, idempotencyKey: action.idempotencyKey, post };
    if (mode === ExecutionMode.PROOF) {
      return this.artifacts.writeJson(artifactPath, { ...record, mode: ExecutionMode.PROOF });
    }
    if (!this.publisher.isConfigured(post.platform)) {
      throw new ActionFailure(
        'REAL_RUN_UNCONFIGURED',
        `REAL mode is on but no ${post.platform} publisher is configured; nothing was sent`,
        false,
      );
    }
    const published = await this.publisher.publish(post, { idempotencyKey: action.idempotencyKey, signal: context.signal });
    const artifact = await this.artifacts.writeJson(artifactPath, { ...record, mode: ExecutionMode.REAL, published });
    return { ...artifact, remoteId: published.remoteId, remoteUrl: published.url };
  }

  /** Through the publisher, when it can search (Mastodon: the account's recent statuses, by text). */
  async findRemoteEffect(action: ActionToRun): Promise<RemoteLookup | null> {
    const post = action.payload as unknown as SocialPost;
    if (!this.publisher.findPost || !this.publisher.isConfigured(post.platform)) return null;
    const { found, checked } = await this.publisher.findPost(post);
    return { found: found && { remoteId: found.remoteId, remoteUrl: found.url }, checked };
  }
}
