import type { TestingModuleBuilder } from '@nestjs/testing';
import {
  ACTION_HANDLERS,
  ActionHandler,
  ActionResult,
  ActionRunContext,
  ActionToRun,
  RemoteLookup,
} from '../../src/actions/action-handler';
import type { ExecutionMode } from '../../src/actions/execution-mode';
import { SocialPostHandler } from '../../src/social/social-post.handler';
import { WebhookDeliveryHandler } from '../../src/webhooks/webhook-delivery.handler';

/** Replaces the POST_SOCIAL handler with `wrap(real handler)` in a test app; the other types keep theirs. */
export function withSocialHandler(wrap: (real: SocialPostHandler) => ActionHandler) {
  return (builder: TestingModuleBuilder): TestingModuleBuilder =>
    builder.overrideProvider(ACTION_HANDLERS).useFactory({
      factory: (real: SocialPostHandler, webhook: WebhookDeliveryHandler) => [wrap(real), webhook],
      inject: [SocialPostHandler, WebhookDeliveryHandler],
    });
}

/** The real POST_SOCIAL handler with something added before each attempt. */
abstract class WrappedHandler implements ActionHandler {
  readonly type;

  constructor(protected readonly real: SocialPostHandler) {
    this.type = real.type;
  }

  parsePayload(payload: unknown): Record<string, unknown> {
    return this.real.parsePayload(payload);
  }

  isIdempotent(mode: ExecutionMode): boolean {
    return this.real.isIdempotent(mode);
  }

  /** A look-up is no attempt: the real handler's, unchanged. */
  findRemoteEffect(action: ActionToRun): Promise<RemoteLookup | null> {
    return this.real.findRemoteEffect(action);
  }

  abstract execute(context: ActionRunContext): Promise<ActionResult>;
}

/** Throws for posts whose text contains `marker` (with `detail` after its message) while armed, and counts calls. */
export class ExplodingHandler extends WrappedHandler {
  calls = 0;
  armed = true;

  constructor(
    real: SocialPostHandler,
    private readonly marker: string,
    private readonly detail = '',
  ) {
    super(real);
  }

  async execute(context: ActionRunContext): Promise<ActionResult> {
    this.calls += 1;
    if (this.armed && String(context.action.payload.text).includes(this.marker))
      throw new Error(`adapter exploded on attempt ${context.action.attempt}${this.detail}`);
    return this.real.execute(context);
  }
}

/** Holds each attempt for `delayMs` first; tells `onStart` of each start, with the ids of the attempts already running. */
export class SlowHandler extends WrappedHandler {
  started = 0;
  readonly running = new Set<number>();
  onStart: (id: number, alongside: readonly number[]) => void = () => undefined;

  /** delayMs: how long each action waits before the real handler runs, the same for all or per action id. */
  constructor(
    real: SocialPostHandler,
    private readonly delayMs: number | ((id: number) => number),
  ) {
    super(real);
  }

  async execute(context: ActionRunContext): Promise<ActionResult> {
    this.started += 1;
    const id = Number(context.action.id);
    this.onStart(id, [...this.running]);
    this.running.add(id);
    try {
      const delayMs = typeof this.delayMs === 'number' ? this.delayMs : this.delayMs(id);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return await this.real.execute(context);
    } finally {
      this.running.delete(id);
    }
  }
}

/**
 * Never finishes an attempt by itself: holds it until the attempt's signal aborts, as a call
 * that honours the signal would, and notes how long after its start each abort came.
 */
export class StuckHandler extends WrappedHandler {
  readonly abortedAfterMs: number[] = [];

  execute(context: ActionRunContext): Promise<ActionResult> {
    const startedAt = performance.now();
    const { signal } = context;
    return new Promise((_, reject) =>
      signal.addEventListener('abort', () => {
        this.abortedAfterMs.push(performance.now() - startedAt);
        reject(new Error('stopped by its signal'));
      }),
    );
  }
}
