import { Module } from '@nestjs/common';
import { SocialModule } from '../social/social.module';
import { SocialPostHandler } from '../social/social-post.handler';
import { ACTION_HANDLERS } from '../actions/action-handler';
import { ActionHandlerRegistry } from './action-handler.registry';

/** Where each action type's handler is registered. Add a type: add its handler to the list. */
@Module({
  imports: [SocialModule],
  providers: [
    {
      provide: ACTION_HANDLERS,
      useFactory: (socialPost: SocialPostHandler) => [socialPost],
      inject: [SocialPostHandler],
    },
    ActionHandlerRegistry,
  ],
  exports: [ActionHandlerRegistry],
})
export class ActionHandlersModule {}
