import { Module } from '@nestjs/common';
import { AolConfig } from '../config/aol-config';
import { ArtifactStore } from './artifact-store';
import { MastodonPublisher } from './mastodon-publisher';
import { SocialPostHandler } from './social-post.handler';
import { NoSocialPublisher, SOCIAL_PUBLISHER, SocialPublisher } from './social-publisher';

/** The publisher for REAL runs, from configuration: Mastodon when it is set up, otherwise none. */
export function createSocialPublisher(config: AolConfig): SocialPublisher {
  return config.mastodon ? new MastodonPublisher(config.mastodon) : new NoSocialPublisher();
}

/** The social adapter: runs POST_SOCIAL actions, in PROOF mode or through a real publisher. */
@Module({
  providers: [ArtifactStore, SocialPostHandler, { provide: SOCIAL_PUBLISHER, useFactory: createSocialPublisher, inject: [AolConfig] }],
  // The artifact store too: readiness checks its folder, retention deletes the files of the actions it prunes, the action shows its content.
  exports: [SocialPostHandler, ArtifactStore],
})
export class SocialModule {}
