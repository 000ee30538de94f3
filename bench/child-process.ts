import { ChildProcess, fork, spawn } from 'node:child_process';
import type { LaunchedServer } from '../test/support/aol-server';
import { childEnv as cleanEnv } from '../test/support/processes';

export { freePort } from '../test/support/processes';

/** A process this run started, with its recent output kept for error messages. */
export interface Child {
  process: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const started = new Set<ChildProcess>();

/** Kills what this run started and is still running (by pid, one by one). Used on abort. */
export function killStartedChildren(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Keeps `child` among the processes this run started; `kept` reads its output where another part already does. */
function track(child: ChildProcess, kept?: () => string): Child {
  if (child.pid === undefined) throw new Error('The child process did not start');
  started.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-64 * 1024);
  };
  if (!kept) {
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    process: child,
    pid: child.pid,
    output: kept ?? (() => output),
    exited,
    stop: async (graceMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The environment a child gets: this one's PATH and HOME, nothing of AOL's, plus `env`. Every
 * system gets the same libuv thread pool (BENCH_UV_THREADPOOL_SIZE, default 16), so each can
 * run as many artifact fsyncs at once as it runs handlers: the same footing for all.
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return cleanEnv({ UV_THREADPOOL_SIZE: process.env.BENCH_UV_THREADPOOL_SIZE ?? '16', ...env });
}

/** The AOL server test/support/aol-server.ts launched, kept among the processes this run started. */
export function adopt(server: LaunchedServer): Child {
  return track(server.child, server.output);
}

/** `node script args` with piped output. */
export function startNode(script: string, args: string[], env: Record<string, string>, execArgv: string[] = []): Child {
  return track(spawn(process.execPath, [...execArgv, script, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** `node script` with an IPC channel, for the subjects under bench/subjects/. */
export function forkNode(script: string, env: Record<string, string>, execArgv: string[] = []): Child {
  return track(fork(script, [], { env: childEnv(env), execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }));
}

/** Runs `node script args` to completion; throws with its output when it fails. */
export async function runNode(script: string, args: string[], env: Record<string, string>): Promise<string> {
  const child = startNode(script, args, env);
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`node ${script} ${args.join(' ')} exited ${code ?? signal}:\n${child.output()}`);
  return child.output();
}
