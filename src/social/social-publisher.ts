import type { SocialPlatform, SocialPost } from './social-post';

export interface PublishedPost {
  /** The network's id for the post, and where people can see it. */
  remoteId: string;
  url: string | null;
}

/**
 * Posts to a real network. Chosen by a factory from configuration; credentials come from
 * configuration, never from the payload. Implementations pass `idempotencyKey` to the
 * network when it supports one, so a repeated request cannot create a second post.
 */
export interface SocialPublisher {
  /**
   * Whether running `publish` again with the same idempotency key is harmless: true when
   * the network deduplicates on the key (Mastodon keeps it for an hour) or nothing is
   * sent at all. The orchestrator reads it when it finds an attempt cut short by a crash:
   * the post may or may not exist remotely, so the attempt is re-run only when this is
   * true, and otherwise parked as NEEDS_REVIEW for an operator to check.
   */
  readonly idempotent: boolean;
  /** Whether a real post to this platform can be made at all. */
  isConfigured(platform: SocialPlatform): boolean;
  publish(post: SocialPost, options: { idempotencyKey: string; signal: AbortSignal }): Promise<PublishedPost>;
  /** Optional: looks for a post with this content among the account's recent ones (see MastodonPublisher.findPost). */
  findPost?(post: SocialPost): Promise<{ found: PublishedPost | null; checked: string }>;
}

export const SOCIAL_PUBLISHER = Symbol('SOCIAL_PUBLISHER');

/** The publisher when no network is configured: REAL runs are refused before anything is sent. */
export class NoSocialPublisher implements SocialPublisher {
  /** It never sends anything, so an attempt can always be re-run. */
  readonly idempotent = true;

  isConfigured(): boolean {
    return false;
  }

  async publish(): Promise<PublishedPost> {
    throw new Error('No social network is configured');
  }
}
