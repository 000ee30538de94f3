import { ChildProcess, spawn } from 'node:child_process';
import { BUILT_SERVER, childEnv, freePort, PROJECT_ROOT } from './processes';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchOptions {
  /** AOL's environment; the launcher adds PATH, HOME, HOST=127.0.0.1 and a free PORT. */
  env: Record<string, string>;
  cwd?: string;
  /** The server's script: the build's dist/src/main.js unless another copy is meant. */
  script?: string;
  /** Node's own flags (the deployed ones, a profiler). */
  execArgv?: string[];
  /** Each line the server prints, with Date.now() when it was read. */
  onLine?: (line: string, at: number) => void;
  timeoutMs?: number;
}

export interface LaunchedServer {
  child: ChildProcess;
  /** http://127.0.0.1:PORT/graphql */
  graphqlUrl: string;
  /** Everything it printed so far (the last 256 KiB). */
  output(): string;
  exited: Promise<Exit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  stop(graceMs?: number): Promise<Exit>;
}

const KEPT_OUTPUT = 256 * 1024;

/**
 * Starts the built service as a deployment does (environment only, `node [flags] main.js`) on
 * a free loopback port, and resolves once GET /health answers: the one way the tests, the fault
 * suite and the benchmark start it. Rejects with the server's output if it exits first or does
 * not answer within the timeout.
 */
export async function launchServer(options: LaunchOptions): Promise<LaunchedServer> {
  for (let attempt = 1; ; attempt += 1) {
    const server = spawnServer(options, await freePort());
    try {
      await untilHealthy(server, options.timeoutMs ?? 30_000);
      return server;
    } catch (error) {
      // Another process took the port between freePort and the server's bind: try another.
      if (attempt < 3 && /EADDRINUSE/.test(server.output())) continue;
      throw error;
    }
  }
}

function spawnServer(options: LaunchOptions, port: number): LaunchedServer {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), options.script ?? BUILT_SERVER], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: childEnv({ ...options.env, HOST: '127.0.0.1', PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let partial = '';
  const read = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-KEPT_OUTPUT);
    if (!options.onLine) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    const at = Date.now();
    for (const line of lines) options.onLine(line, at);
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => {
      if (partial && options.onLine) options.onLine(partial, Date.now());
      resolve({ code, signal });
    }),
  );
  return {
    child,
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    output: () => output,
    exited,
    stop: async (graceMs = 20_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

async function untilHealthy(server: LaunchedServer, timeoutMs: number): Promise<void> {
  const health = server.graphqlUrl.replace(/\/graphql$/, '/health');
  let exited = false;
  void server.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`The server exited before serving:\n${server.output()}`);
    const ok = await fetch(health, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) {
      server.child.kill('SIGKILL');
      throw new Error(`The server did not serve ${health} within ${timeoutMs} ms:\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
