import { join } from 'node:path';
import type { WrittenArtifact } from './proof-artifact';
import { Child, forkNode } from './child-process';

/**
 * A subject is one system under test in a process of its own (bench/subjects/*.ts), so no
 * system shares a heap, a JIT or a pool with another or with the observer. The parent sets
 * it up through the environment and steers it with two messages:
 *   parent → child: go (start consuming), stop (shut down cleanly)
 *   child → parent: ready, first (the first job's handler started), stopped, latency, failed
 */
export type SubjectMode = 'drain-proof' | 'drain-noop' | 'latency';

export type ParentMessage = { type: 'go' } | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; url?: string; detail?: Record<string, unknown> }
  | { type: 'first'; at: number }
  | { type: 'stopped'; handled: number; artifacts: WrittenArtifact[] }
  | { type: 'latency'; samplesMs: number[] }
  | { type: 'failed'; message: string };

export interface SubjectEnv {
  BENCH_SUBJECT_MODE: SubjectMode;
  BENCH_DATABASE_URL: string;
  BENCH_ARTIFACT_DIR: string;
  BENCH_JOBS: string;
  BENCH_LATENCY_SAMPLES: string;
  BENCH_LATENCY_WARMUP: string;
}

export const SUBJECT_SCRIPTS = {
  aol: join(__dirname, 'subjects', 'aol-app.js'),
  graphile: join(__dirname, 'subjects', 'graphile-worker.js'),
  pgboss: join(__dirname, 'subjects', 'pg-boss.js'),
  baseline: join(__dirname, 'subjects', 'baseline.js'),
} as const;

export type SubjectName = keyof typeof SUBJECT_SCRIPTS;

/** The parent's side: a forked subject and a way to wait for its next message of a kind. */
export class Subject {
  private readonly inbox: ChildMessage[] = [];
  private waiter: (() => void) | null = null;

  private constructor(readonly child: Child) {
    child.process.on('message', (message: ChildMessage) => {
      this.inbox.push(message);
      this.waiter?.();
    });
    void child.exited.then(() => this.waiter?.());
  }

  /**
   * With BENCH_PROFILE_DIR set, AOL's subject writes a CPU profile of its whole run there
   * (node --cpu-prof; open it in Chrome's DevTools), to see where an action's time goes.
   */
  static start(name: SubjectName, env: SubjectEnv & Record<string, string>): Subject {
    const profileDir = process.env.BENCH_PROFILE_DIR;
    const execArgv = name === 'aol' && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    return new Subject(forkNode(SUBJECT_SCRIPTS[name], env, execArgv));
  }

  send(message: ParentMessage): void {
    this.child.process.send(message);
  }

  /** The next message of `type`; a `failed` message, an exit or the timeout throws. */
  async next<T extends ChildMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((message) => message.type === type || message.type === 'failed');
      if (index >= 0) {
        const [message] = this.inbox.splice(index, 1);
        if (message.type === 'failed') throw new Error(`Subject failed: ${message.message}\n${this.child.output()}`);
        return message as Extract<ChildMessage, { type: T }>;
      }
      const process = this.child.process;
      if (process.exitCode !== null || process.signalCode !== null) {
        throw new Error(`Subject exited (${process.exitCode ?? process.signalCode}) before "${type}":\n${this.child.output()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Subject sent no "${type}" within ${timeoutMs} ms:\n${this.child.output()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  async stop(timeoutMs = 60_000): Promise<Extract<ChildMessage, { type: 'stopped' }>> {
    this.send({ type: 'stop' });
    try {
      return await this.next('stopped', timeoutMs);
    } finally {
      await this.child.stop(5000);
    }
  }
}

/** The child's side. */
export function report(message: ChildMessage): void {
  process.send?.(message);
}

export function onParentMessage(type: ParentMessage['type'], handler: () => void | Promise<void>): void {
  process.on('message', (message: ParentMessage) => {
    if (message.type !== type) return;
    Promise.resolve(handler()).catch(failSubject);
  });
}

export function failSubject(error: unknown): void {
  const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  report({ type: 'failed', message });
  setTimeout(() => process.exit(1), 200);
}

export function subjectEnv(): SubjectEnv {
  const env = process.env as Partial<SubjectEnv>;
  const mode = env.BENCH_SUBJECT_MODE;
  if (mode !== 'drain-proof' && mode !== 'drain-noop' && mode !== 'latency') throw new Error(`Bad BENCH_SUBJECT_MODE ${String(mode)}`);
  if (!env.BENCH_DATABASE_URL || !env.BENCH_ARTIFACT_DIR) throw new Error('BENCH_DATABASE_URL and BENCH_ARTIFACT_DIR are required');
  return {
    BENCH_SUBJECT_MODE: mode,
    BENCH_DATABASE_URL: env.BENCH_DATABASE_URL,
    BENCH_ARTIFACT_DIR: env.BENCH_ARTIFACT_DIR,
    BENCH_JOBS: env.BENCH_JOBS ?? '0',
    BENCH_LATENCY_SAMPLES: env.BENCH_LATENCY_SAMPLES ?? '0',
    BENCH_LATENCY_WARMUP: env.BENCH_LATENCY_WARMUP ?? '0',
  };
}

/** W4: lets a handler say "job N started / finished" to the loop that enqueued it. */
export class JobStarts {
  private readonly expected = new Map<number, { started: (at: number) => void; finished: () => void }>();

  /** Call before enqueueing job `index`: resolves when its handler starts. */
  expect(index: number): Promise<{ startedAt: number; finished: Promise<void> }> {
    let finished!: () => void;
    const whenFinished = new Promise<void>((resolve) => (finished = resolve));
    return new Promise((resolve) => {
      this.expected.set(index, { started: (at) => resolve({ startedAt: at, finished: whenFinished }), finished });
    });
  }

  started(index: number, at: number): void {
    this.expected.get(index)?.started(at);
  }

  finished(index: number): void {
    this.expected.get(index)?.finished();
    this.expected.delete(index);
  }
}

/**
 * W4's sampling loop, shared by every subject: enqueue one job, wait until its handler has
 * started and finished, pause a random 5-25 ms (so an interval-driven system is sampled at
 * every phase of its interval rather than in lock-step with it), repeat. BENCH_LATENCY_WARMUP
 * jobs go first, unrecorded and without the pause: connections open and the code on both
 * paths is compiled, as in a service that has been running for a while.
 */
export async function sampleLatency(
  env: Pick<SubjectEnv, 'BENCH_LATENCY_SAMPLES' | 'BENCH_LATENCY_WARMUP'>,
  starts: JobStarts,
  enqueue: (index: number) => Promise<void>,
  now: () => number,
): Promise<number[]> {
  const warmup = Number(env.BENCH_LATENCY_WARMUP);
  const results: number[] = [];
  for (let index = 1; index <= warmup + Number(env.BENCH_LATENCY_SAMPLES); index += 1) {
    const watch = starts.expect(index);
    const enqueuedAt = now();
    await enqueue(index);
    const { startedAt, finished } = await watch;
    if (index > warmup) results.push(startedAt - enqueuedAt);
    await finished;
    if (index >= warmup) await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
  }
  return results;
}
