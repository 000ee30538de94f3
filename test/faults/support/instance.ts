import type { ChildProcess } from 'node:child_process';
import { launchServer } from '../../support/aol-server';

export { BUILT_CLI } from '../../support/processes';

/** Nest's start-up lines: no evidence in them. */
const BOOT_NOISE =
  /InstanceLoader|RoutesResolver|RouterExplorer|GraphQLModule|NestFactory|NO AUTHENTICATION|GraphqlWsServer|successfully started/;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the exit was seen. */
  at: number;
}

export interface StatusSample {
  instanceId: string;
  leader: boolean;
  leaseOwner: string | null;
  leaseEpoch: number;
  sentAt: number;
  receivedAt: number;
}

export interface GraphqlAnswer<T = any> {
  httpStatus: number;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A signal the harness sent, kept so an exit can be told apart from a crash. */
interface SentSignal {
  signal: NodeJS.Signals;
  at: number;
}

/**
 * One process of the built service (dist/src/main.js), started the way a deployment starts
 * it: environment only, loopback, a free port. Keeps its output with a time stamp per line
 * (milliseconds since the scenario began) for evidence, and every signal the harness sent.
 */
export class AolInstance {
  readonly signals: SentSignal[] = [];
  graphqlUrl = '';
  exit: Exit | null = null;
  exited!: Promise<Exit>;
  child!: ChildProcess;
  private readonly lines: string[] = [];
  /** Date.now() when each line was read, parallel to `lines`. */
  private readonly times: number[] = [];
  private stopped = false;

  private constructor(
    readonly id: string,
    private readonly t0: number,
  ) {}

  /** One line the process printed, read at `at` (Date.now()). */
  private take(line: string, at: number): void {
    this.lines.push(`+${String(at - this.t0).padStart(6)}ms ${line}`);
    this.times.push(at);
  }

  /** Starts the built server (test/support/aol-server.ts); resolves once it serves. */
  static async start(id: string, env: Record<string, string>, cwd: string, t0: number, timeoutMs = 30_000): Promise<AolInstance> {
    const instance = new AolInstance(id, t0);
    const server = await launchServer({
      env: { NO_COLOR: '1', AOL_INSTANCE_ID: id, ...env },
      cwd,
      timeoutMs,
      onLine: (line, at) => instance.take(line, at),
    }).catch((error: Error) => {
      throw new Error(`${id}: ${error.message}`);
    });
    instance.child = server.child;
    instance.graphqlUrl = server.graphqlUrl;
    instance.exited = server.exited.then(({ code, signal }) => {
      instance.exit = { code, signal, at: Date.now() };
      instance.mark(`exited code=${code} signal=${signal}`);
      return instance.exit;
    });
    return instance;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Alive and not frozen: it can answer. */
  get responsive(): boolean {
    return this.alive && !this.stopped;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  output(): string {
    return this.lines.join('\n');
  }

  /** The last `count` lines, for a report; `quiet` leaves out the start-up chatter. */
  tail(count = 40, quiet = false): string {
    const lines = quiet ? this.lines.filter((line) => !BOOT_NOISE.test(line)) : this.lines;
    return lines.slice(-count).join('\n');
  }

  /** Lines matching `pattern`, for evidence. */
  grep(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }

  mark(note: string, prefix = '[harness] '): void {
    this.lines.push(`+${String(Date.now() - this.t0).padStart(6)}ms ${prefix}${note}`);
    this.times.push(Date.now());
  }

  /** When the harness first read a line matching `pattern` (Date.now()), or null. */
  firstLineAt(pattern: RegExp): number | null {
    const index = this.lines.findIndex((line) => pattern.test(line));
    return index < 0 ? null : this.times[index];
  }

  signal(signal: NodeJS.Signals): number {
    const at = Date.now();
    this.signals.push({ signal, at });
    this.mark(`sent ${signal}`);
    if (this.alive) this.child.kill(signal);
    if (signal === 'SIGSTOP') this.stopped = true;
    if (signal === 'SIGCONT') this.stopped = false;
    return at;
  }

  /** kill -9, and wait until the kernel has reaped it. */
  async kill9(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  freeze(): number {
    return this.signal('SIGSTOP');
  }

  thaw(): number {
    return this.signal('SIGCONT');
  }

  /** True when every exit was asked for: an exit with no signal sent is a crash. */
  get crashed(): boolean {
    if (!this.exit) return false;
    return !this.signals.some((sent) => sent.signal === 'SIGKILL' || sent.signal === 'SIGTERM' || sent.signal === 'SIGINT');
  }

  async graphql<T = any>(query: string, variables?: Record<string, unknown>, timeoutMs = 10_000): Promise<GraphqlAnswer<T>> {
    const response = await fetch(this.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as Omit<GraphqlAnswer<T>, 'httpStatus'>;
    return { httpStatus: response.status, ...body };
  }

  /** What the process itself says about leadership; null when it does not answer in time. */
  async leadership(timeoutMs = 1000): Promise<StatusSample | null> {
    const sentAt = Date.now();
    try {
      const answer = await this.graphql<{
        autonomyStatus: { instanceId: string; leader: boolean; lease: { owner: string | null; epoch: number } };
      }>('{ autonomyStatus { instanceId leader lease { owner epoch } } }', undefined, timeoutMs);
      const status = answer.data?.autonomyStatus;
      if (!status) return null;
      return {
        instanceId: status.instanceId,
        leader: status.leader,
        leaseOwner: status.lease.owner,
        leaseEpoch: Number(status.lease.epoch),
        sentAt,
        receivedAt: Date.now(),
      };
    } catch {
      return null;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
