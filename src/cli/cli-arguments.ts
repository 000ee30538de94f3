import { parseArgs } from 'node:util';
import { ActionType } from '../actions/action-status';

export type CliCommand =
  | { name: 'tick'; count: number }
  | { name: 'enqueue'; type: ActionType; key: string; payload: unknown }
  | { name: 'status' }
  | { name: 'migrate' }
  | { name: 'help' };

export class UsageError extends Error {}

export const USAGE = `Usage: npm run aol -- <command> [options]

Commands:
  tick [--count N]                       run N ticks now (default 1), one line each
  enqueue --type TYPE --key KEY --payload JSON
                                         add an action (idempotent on KEY); prints JSON
  status                                 print the autonomy status as JSON
  migrate                                apply pending database migrations
  help                                   show this text

Types: ${Object.values(ActionType).join(', ')}
Example:
  npm run aol -- enqueue --type POST_SOCIAL --key launch-1 --payload '{"platform":"mastodon","text":"hi"}'

Configuration comes from the environment (DATABASE_URL, AOL_*), as for the service.`;

const MAX_TICKS = 10_000;

/** Parses the CLI's arguments; throws UsageError with what is wrong. */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case 'tick': {
      const { values } = strictParse(rest, { count: { type: 'string' } });
      const count = values.count === undefined ? 1 : Number(values.count);
      if (!/^\d+$/.test(values.count ?? '1') || count < 1 || count > MAX_TICKS) {
        throw new UsageError(`--count must be a whole number from 1 to ${MAX_TICKS} (got "${values.count}")`);
      }
      return { name: 'tick', count };
    }
    case 'enqueue': {
      const { values } = strictParse(rest, { type: { type: 'string' }, key: { type: 'string' }, payload: { type: 'string' } });
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
      return { name: 'enqueue', type: values.type as ActionType, key: values.key, payload };
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

type OptionSpec = Record<string, { type: 'string' }>;

function strictParse<T extends OptionSpec>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
