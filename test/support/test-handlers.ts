import type { TestingModuleBuilder } from '@nestjs/testing';
import { ACTION_HANDLERS, ActionHandler, ActionResult, ActionRunContext } from '../../src/action-handlers/action-handler';
import { SocialPostHandler } from '../../src/social/social-post.handler';

/** Replaces the POST_SOCIAL handler with `wrap(real handler)` in a test app. */
export function withSocialHandler(wrap: (real: SocialPostHandler) => ActionHandler) {
  return (builder: TestingModuleBuilder): TestingModuleBuilder =>
    builder.overrideProvider(ACTION_HANDLERS).useFactory({ factory: (real: SocialPostHandler) => [wrap(real)], inject: [SocialPostHandler] });
}

/** The real handler, except that it throws for posts whose text contains `marker`, and counts calls. */
export class ExplodingHandler implements ActionHandler {
  readonly type;
  calls = 0;

  constructor(
    private readonly real: SocialPostHandler,
    private readonly marker: string,
  ) {
    this.type = real.type;
  }

  parsePayload(payload: unknown): Record<string, unknown> {
    return this.real.parsePayload(payload);
  }

  async execute(context: ActionRunContext): Promise<ActionResult> {
    this.calls += 1;
    if (String(context.action.payload.text).includes(this.marker)) throw new Error(`adapter exploded on attempt ${context.action.attempt}`);
    return this.real.execute(context);
  }
}

/** The real handler, after holding each attempt for `delayMs`. */
export class SlowHandler implements ActionHandler {
  readonly type;
  started = 0;

  constructor(
    private readonly real: SocialPostHandler,
    private readonly delayMs: number,
  ) {
    this.type = real.type;
  }

  parsePayload(payload: unknown): Record<string, unknown> {
    return this.real.parsePayload(payload);
  }

  async execute(context: ActionRunContext): Promise<ActionResult> {
    this.started += 1;
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.real.execute(context);
  }
}
