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

/** A free TCP port on loopback (bound, then closed: a rare race, which launchServer retries). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
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
