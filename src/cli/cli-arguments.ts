import { parseArgs } from 'node:util';
import { ActionType } from '../actions/action-status';

/** The operator's changes to one action, as the GraphQL mutations of the same names. */
export const ACTION_VERBS = ['approve', 'reject', 'retry', 'cancel'] as const;
export type ActionVerb = (typeof ACTION_VERBS)[number];

/** The switchboard's switches, as the GraphQL mutations of the same names. */
export const SWITCH_VERBS = ['pause', 'resume', 'kill', 'revive'] as const;
export type SwitchVerb = (typeof SWITCH_VERBS)[number];

export const REVIEW_OUTCOMES = ['POSTED', 'NOT_POSTED'] as const;

export type CliCommand =
  | { name: 'tick'; count: number }
  | { name: 'enqueue'; type: ActionType; key: string; payload: unknown; priority: number | null; runAfter: Date | null }
  | { name: 'action'; verb: ActionVerb; id: number; reason: string }
  | {
      name: 'resolve';
      id: number;
      outcome: (typeof REVIEW_OUTCOMES)[number];
      reason: string;
      remoteUrl: string | null;
      remoteId: string | null;
    }
  | { name: 'switch'; verb: SwitchVerb; reason: string }
  | { name: 'status' }
  | { name: 'audit-verify'; from: number }
  | { name: 'audit-export' }
  | { name: 'migrate' }
  | { name: 'help' };

export class UsageError extends Error {}

export const USAGE = `Usage: npm run aol -- <command> [options]

Commands:
  tick [--count N]                       run N ticks now (default 1), one line each
  enqueue --type TYPE --key KEY --payload JSON [--priority N] [--run-after ISO-TIME]
                                         add an action (idempotent on KEY); prints JSON
  approve ID --reason TEXT               let an AWAITING_APPROVAL action run (its payload as now)
  reject ID --reason TEXT                end an AWAITING_APPROVAL action as REJECTED
  resolve ID --outcome POSTED|NOT_POSTED --reason TEXT [--remote-url URL] [--remote-id ID]
                                         settle a NEEDS_REVIEW action by what you found
  retry ID --reason TEXT                 send a DLQ or NEEDS_REVIEW action back to the queue
  cancel ID --reason TEXT                cancel an action that is neither running nor finished
  pause|resume|kill|revive --reason TEXT the switchboard, as the GraphQL mutations
  status                                 print the autonomy status as JSON
  audit verify [--from N]                recompute the audit chain (from entry N) against the rows and
                                         artifact files; exit 1 naming the first entry that differs
  audit export                           the audit chain as JSON Lines, oldest first
  migrate                                apply pending database migrations
  help                                   show this text

Types: ${Object.values(ActionType).join(', ')}
Examples:
  npm run aol -- enqueue --type POST_SOCIAL --key launch-1 --payload '{"platform":"mastodon","text":"hi"}'
  npm run aol -- approve 12 --reason "wording checked"

Changes are recorded in the control events with actor "cli"; actions print as the GraphQL Action.

Configuration comes from the environment (DATABASE_URL, AOL_*), as for the service.`;

const MAX_TICKS = 10_000;

/** Parses the CLI's arguments; throws UsageError with what is wrong. */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case 'tick': {
      const { values } = strictParse(rest, { count: { type: 'string' } });
      // Checked here, not by the parser: "-1" must get the range message too.
      const count = values.count === undefined ? 1 : Number(values.count);
      if (!/^\d+$/.test(values.count ?? '1') || count < 1 || count > MAX_TICKS) {
        throw new UsageError(`--count must be a whole number from 1 to ${MAX_TICKS} (got "${values.count}")`);
      }
      return { name: 'tick', count };
    }
    case 'enqueue': {
      const { values } = strictParse(rest, {
        type: { type: 'string' },
        key: { type: 'string' },
        payload: { type: 'string' },
        priority: { type: 'string' },
        'run-after': { type: 'string' },
      });
      if (values.type === undefined || values.key === undefined || values.payload === undefined) {
        throw new UsageError('enqueue needs --type, --key and --payload');
      }
      if (!(Object.values(ActionType) as string[]).includes(values.type)) {
        throw new UsageError(`--type must be one of ${Object.values(ActionType).join(', ')} (got "${values.type}")`);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(values.payload);
      } catch (error) {
        throw new UsageError(`--payload must be JSON: ${(error as Error).message}`);
      }
      const priority = values.priority === undefined ? null : Number(values.priority);
      if (priority !== null && (!/^-?\d+$/.test(values.priority!) || !Number.isSafeInteger(priority))) {
        throw new UsageError(`--priority must be a whole number (got "${values.priority}")`);
      }
      const runAfter = values['run-after'] === undefined ? null : new Date(values['run-after']);
      if (runAfter !== null && Number.isNaN(runAfter.getTime())) {
        throw new UsageError(`--run-after must be a time such as 2026-12-24T09:00:00Z (got "${values['run-after']}")`);
      }
      return { name: 'enqueue', type: values.type as ActionType, key: values.key, payload, priority, runAfter };
    }
    case 'approve':
    case 'reject':
    case 'retry':
    case 'cancel': {
      const { values, positionals } = strictParse(rest, { reason: { type: 'string' } }, 1);
      return { name: 'action', verb: command, id: actionId(command, positionals), reason: requiredReason(command, values.reason) };
    }
    case 'resolve': {
      const { values, positionals } = strictParse(
        rest,
        { outcome: { type: 'string' }, reason: { type: 'string' }, 'remote-url': { type: 'string' }, 'remote-id': { type: 'string' } },
        1,
      );
      const outcome = REVIEW_OUTCOMES.find((known) => known === values.outcome);
      if (!outcome) throw new UsageError(`resolve needs --outcome ${REVIEW_OUTCOMES.join(' or ')} (got "${values.outcome ?? ''}")`);
      return {
        name: 'resolve',
        id: actionId(command, positionals),
        outcome,
        reason: requiredReason(command, values.reason),
        remoteUrl: values['remote-url'] ?? null,
        remoteId: values['remote-id'] ?? null,
      };
    }
    case 'pause':
    case 'resume':
    case 'kill':
    case 'revive': {
      const { values } = strictParse(rest, { reason: { type: 'string' } });
      return { name: 'switch', verb: command, reason: requiredReason(command, values.reason) };
    }
    case 'audit': {
      const [verb, ...options] = rest;
      if (verb === 'export') {
        strictParse(options, {});
        return { name: 'audit-export' };
      }
      if (verb !== 'verify') throw new UsageError(`audit needs verify or export (got "${verb ?? ''}")`);
      const { values } = strictParse(options, { from: { type: 'string' } });
      const from = values.from === undefined ? 1 : Number(values.from);
      if (!/^[1-9]\d{0,15}$/.test(values.from ?? '1') || !Number.isSafeInteger(from)) {
        throw new UsageError(`--from must be an entry id, a positive whole number (got "${values.from}")`);
      }
      return { name: 'audit-verify', from };
    }
    case 'status':
    case 'migrate':
      strictParse(rest, {});
      return { name: command };
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' };
    case undefined:
      throw new UsageError('No command given');
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

function actionId(command: string, positionals: string[]): number {
  const [id] = positionals;
  if (id === undefined || !/^[1-9]\d{0,15}$/.test(id) || !Number.isSafeInteger(Number(id))) {
    throw new UsageError(`${command} needs the action's id, a positive whole number (got "${id ?? ''}")`);
  }
  return Number(id);
}

function requiredReason(command: string, reason: string | undefined): string {
  if (reason === undefined || reason.trim() === '') throw new UsageError(`${command} needs --reason: it is kept in the control events`);
  return reason;
}

type OptionSpec = Record<string, { type: 'string' }>;

/**
 * Options and at most `positionals` positional arguments. A negative number given as an
 * option's value (`--count -1`, `--priority -5`) is that option's value, not another option.
 */
function strictParse<T extends OptionSpec>(args: string[], options: T, positionals = 0) {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const next = args[index + 1];
    if (args[index].startsWith('--') && !args[index].includes('=') && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${args[index]}=${next}`);
      index += 1;
    } else joined.push(args[index]);
  }
  try {
    const parsed = parseArgs({ args: joined, options, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals) throw new UsageError(`Unexpected argument "${parsed.positionals[positionals]}"`);
    return parsed;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
