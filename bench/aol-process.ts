import { BENCH_API_TOKEN } from './aol-graphql';
import { launchServer } from '../test/support/aol-server';
import { BUILT_CLI, deployedNodeFlags, PROJECT_ROOT } from '../test/support/processes';
import { adopt, Child, childEnv, runNode } from './child-process';
import { sleep } from './clock';
import type { BenchSettings } from './settings';

export const REPO_ROOT = PROJECT_ROOT;

export type TickProfile = 'lifted' | 'default' | 'disabled';

/**
 * AOL's environment for a benchmark. `lifted`: the safety caps raised by configuration only,
 * as a deployer would (README's table); `default`: the spec's 3 actions per 5 s tick;
 * `disabled`: the API without a tick (W3 measures enqueueing alone).
 * AOL_TICK_CONCURRENCY is passed for the version of AOL that reads it; older ones ignore it.
 */
export function aolEnv(settings: BenchSettings, databaseUrl: string, artifactDir: string, profile: TickProfile): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    AOL_API_TOKEN: BENCH_API_TOKEN,
    DATABASE_URL: databaseUrl,
    AOL_ARTIFACT_DIR: artifactDir,
    AOL_LOG_LEVEL: 'error',
    AOL_INSTANCE_ID: 'bench',
    // W7's SQLite has only the in-process bus.
    AOL_EVENT_BUS: databaseUrl.startsWith('sqlite:') ? 'memory' : settings.aolEventBus,
    // The benchmark's one token sends thousands of requests a second: the rate limits (a guard
    // against floods, README's Limits) are off, as for any trusted bulk client. Older builds ignore these.
    AOL_RATE_LIMIT_REQUESTS: '0',
    AOL_RATE_LIMIT_WS_MESSAGES: '0',
  };
  if (profile === 'disabled') env.AOL_TICK_ENABLED = '0';
  if (profile === 'lifted') {
    Object.assign(env, {
      AOL_TICK_INTERVAL_MS: String(settings.aolTickIntervalMs),
      AOL_MAX_ACTIONS_PER_TICK: String(settings.aolMaxActionsPerTick),
      AOL_TICK_CONCURRENCY: String(settings.aolTickConcurrency),
      AOL_DRAIN_CONTINUOUSLY: '1',
      AOL_WAKE_ON_ENQUEUE: '1',
      AOL_MAX_TICK_SECONDS: '20',
      AOL_ACTION_TIMEOUT_SECONDS: '8',
      AOL_LEASE_TTL_SECONDS: '30',
    });
  }
  return env;
}

/** Applies AOL's migrations with its own CLI (the baseline and the peers' comparisons use AOL's schema). */
export async function migrateAol(databaseUrl: string): Promise<void> {
  await runNode(BUILT_CLI, ['migrate'], {
    NODE_ENV: 'production',
    AOL_API_TOKEN: BENCH_API_TOKEN,
    DATABASE_URL: databaseUrl,
    AOL_LOG_LEVEL: 'error',
  });
}

export interface RunningAol {
  url: string;
  child: Child;
}

/** Waits until the GraphQL endpoint answers, or fails with the process's output. */
export async function waitForGraphql(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`AOL exited before serving:\n${child.output()}`);
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_API_TOKEN}` },
        body: '{"query":"{ __typename }"}',
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`AOL did not serve ${url} within ${timeoutMs} ms:\n${child.output()}`);
    await sleep(50);
  }
}

/** The built service, `node <start:prod's flags> dist/src/main.js`, on a free loopback port (test/support/aol-server.ts). */
export async function startAolServer(env: Record<string, string>, execArgv: string[] = []): Promise<RunningAol> {
  const server = await launchServer({ env: childEnv(env) as Record<string, string>, execArgv: [...deployedNodeFlags(), ...execArgv] });
  return { url: server.graphqlUrl, child: adopt(server) };
}
