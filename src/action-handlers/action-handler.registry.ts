import { Inject, Injectable } from '@nestjs/common';
import { AolError, AolErrorCode } from '../errors/aol-error';
import { ActionType } from '../actions/action-status';
import { ACTION_HANDLERS, ActionHandler, ActionToRun, RemoteLookup } from '../actions/action-handler';

/** Finds the one handler for each action type; built once, checked at start-up. */
@Injectable()
export class ActionHandlerRegistry {
  private readonly byType = new Map<ActionType, ActionHandler>();

  constructor(@Inject(ACTION_HANDLERS) handlers: ActionHandler[]) {
    for (const handler of handlers) {
      if (this.byType.has(handler.type)) throw new Error(`Two handlers are registered for action type ${handler.type}`);
      this.byType.set(handler.type, handler);
    }
    const missing = Object.values(ActionType).filter((type) => !this.byType.has(type));
    if (missing.length > 0) throw new Error(`No handler is registered for action type ${missing.join(', ')}`);
  }

  handlerFor(type: ActionType): ActionHandler {
    const handler = this.byType.get(type);
    if (!handler) throw new AolError(AolErrorCode.BAD_USER_INPUT, `Unknown action type ${type}`);
    return handler;
  }

  parsePayload(type: ActionType, payload: unknown): Record<string, unknown> {
    return this.handlerFor(type).parsePayload(payload);
  }

  /** The handler's look for an action's remote effect; null when its handler cannot look. */
  async findRemoteEffect(action: ActionToRun): Promise<RemoteLookup | null> {
    const handler = this.handlerFor(action.type);
    return handler.findRemoteEffect ? handler.findRemoteEffect(action) : null;
  }
}
