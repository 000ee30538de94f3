import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The repository's root, found from this file wherever it runs from (test/support/ under jest, dist-bench/test/support/ in the benchmark). */
export const PROJECT_ROOT = (() => {
  let directory = __dirname;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`No package.json above ${__dirname}`);
    directory = parent;
  }
  return directory;
})();
export const BUILT_SERVER = join(PROJECT_ROOT, 'dist', 'src', 'main.js');
export const BUILT_CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli.js');

/**
 * The Node flags of `npm run start:prod` (the Dockerfile sets the same in NODE_OPTIONS), read
 * from package.json, for what measures the process as it is deployed (its memory, above all:
 * the young generation's size is one of them).
 */
export function deployedNodeFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return scripts['start:prod'].split(/\s+/).filter((word) => word.startsWith('--'));
}

/**
 * Ports handed to servers a test starts in another process, below Linux's ephemeral range
 * (32768 and up): there the kernel hands out every port bound to 0 (the in-process apps, the
 * fakes, the clients), so a port taken from it, closed and bound again a second later by a child
 * could meanwhile be another test's fake, and the child's readiness poll would reach that one.
 * Each Jest worker takes its own block of PORTS_PER_WORKER; the benchmark (no worker) the first.
 */
const FIRST_PORT = 20_000;
const PORTS_PER_WORKER = 1_000;
const PORT_BLOCKS = 12;
const portBlock = FIRST_PORT + ((Number(process.env.JEST_WORKER_ID) || 0) % PORT_BLOCKS) * PORTS_PER_WORKER;
let nextPortOffset = Math.floor(Math.random() * PORTS_PER_WORKER);

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free TCP port on loopback for a server of another process: the next of this process's block
 * that can be bound (then closed: only this process takes from its block, and launchServer tries
 * again should anything else have taken it before the child binds).
 */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < PORTS_PER_WORKER; tried += 1) {
    const port = portBlock + (nextPortOffset++ % PORTS_PER_WORKER);
    if (await bindable(port)) return port;
  }
  throw new Error(`No free port in ${portBlock}–${portBlock + PORTS_PER_WORKER - 1}`);
}

export function requireBuild(): void {
  if (!existsSync(BUILT_CLI) || !existsSync(BUILT_SERVER)) {
    throw new Error('dist/ is missing: `npm test` builds it first; alone, run `npm run build`');
  }
}

/** A clean environment for a child process: PATH and HOME only, plus what the caller gives. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node script args…` to completion (or kills it at the timeout). */
export function runNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 30_000,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Polls `check` until it returns a value (not undefined) or the timeout passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
