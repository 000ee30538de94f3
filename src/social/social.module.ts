import { Module } from '@nestjs/common';
import { ArtifactStore } from './artifact-store';
import { SocialPostHandler } from './social-post.handler';
import { NoSocialPublisher, SOCIAL_PUBLISHER } from './social-publisher';

/** The social adapter: runs POST_SOCIAL actions, in PROOF mode or through a real publisher. */
@Module({
  providers: [ArtifactStore, SocialPostHandler, { provide: SOCIAL_PUBLISHER, useClass: NoSocialPublisher }],
  exports: [SocialPostHandler],
})
export class SocialModule {}
