import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, DRIVERS, TestDatabase } from './support/test-database';
import { BUILT_CLI, PROJECT_ROOT, childEnv, requireBuild, runNode, waitFor } from './support/processes';
import { launchServer, LaunchedServer } from './support/aol-server';
import { graphqlRequest } from './support/graphql-client';

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const TOKEN = 'readme-token-0123456789abcdef';

/** The fenced code block of `language` that follows the line containing `after` in README.md. */
function readmeBlock(after: string, language: string): string {
  const start = README.indexOf(after);
  expect(start).toBeGreaterThanOrEqual(0);
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(README.slice(start));
  return block![1];
}

/** The parent of a process, from /proc. */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each(DRIVERS)("README's commands, run as written, on %s", (driver) => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase(driver);
    env = { DATABASE_URL: db.url, AOL_ARTIFACT_DIR: join(db.dir, 'artifacts'), AOL_API_TOKEN: TOKEN };
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('npm start passes SIGTERM to the service, which releases the lease and exits 0 with npm, leaving no process behind', async () => {
    expect(readmeBlock('## Two commands', 'sh').trim().split('\n')[0]).toBe('npm ci && npm start');
    // Without its prestart build: npm test built dist/ already, and a build would replace it
    // under the other test files running now. What starts the service is the same.
    const npm = spawn('npm', ['start', '--ignore-scripts'], {
      cwd: PROJECT_ROOT,
      env: childEnv({ ...env, HOST: '127.0.0.1', PORT: '0', AOL_TICK_INTERVAL_MS: '100' }),
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      npm.on('exit', (code, signal) => resolve([code, signal])),
    );
    let servicePid: number | undefined;
    try {
      const [, instance, graphqlUrl] = await waitFor(
        async () => /AOL (\S+) serving GraphQL at (\S+)/.exec(output) ?? undefined,
        30_000,
        'npm start',
      );
      servicePid = Number(instance.split(':')[1]);
      // The service is npm's own child: the shell npm ran for the script gave it its place.
      expect(await parentOf(servicePid)).toBe(npm.pid);
      await waitFor(
        async () => {
          const response = await graphqlRequest(graphqlUrl, '{ autonomyStatus { leader } }', undefined, {
            authorization: `Bearer ${TOKEN}`,
          });
          return response.data?.autonomyStatus.leader ? true : undefined;
        },
        15_000,
        'the service to lead',
      );

      npm.kill('SIGTERM');
      expect(await exited).toEqual([0, null]);
      expect(output).toContain('SIGTERM: shutting down');
      expect(isRunning(servicePid)).toBe(false);
    } finally {
      if (servicePid !== undefined && isRunning(servicePid)) process.kill(servicePid, 'SIGKILL');
      npm.kill('SIGKILL');
    }
    const status = await runNode(BUILT_CLI, ['status'], env, db.dir);
    expect(JSON.parse(status.stdout).lease).toMatchObject({ owner: null, epoch: 1 });
  });

  describe('the graphql-ws client snippet', () => {
    let server: LaunchedServer;
    let scriptDir: string;

    beforeAll(async () => {
      server = await launchServer({ env: { ...env, AOL_TICK_INTERVAL_MS: '100' }, cwd: db.dir });
      // A folder of its own, seeing the project's packages as `npm install graphql-ws ws` would.
      scriptDir = await mkdtemp(join(tmpdir(), 'aol-snippet-'));
      await symlink(join(PROJECT_ROOT, 'node_modules'), join(scriptDir, 'node_modules'));
    });

    afterAll(async () => {
      await server.stop();
      await rm(scriptDir, { recursive: true, force: true });
    });

    it('runs on this Node.js and prints the ticks it is sent', async () => {
      const snippet = readmeBlock('From a script, with the `graphql-ws` client', 'js');
      expect(snippet).toContain("'ws://localhost:3000/graphql'");
      const script = join(scriptDir, 'ticks.mjs');
      await writeFile(script, snippet.replace('localhost:3000', new URL(server.graphqlUrl).host));
      // It runs until stopped; two ticks printed are enough.
      const client = spawn(process.execPath, [script], { cwd: scriptDir, env: childEnv({ AOL_API_TOKEN: TOKEN }) });
      let output = '';
      client.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      client.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        await waitFor(
          async () => ((output.match(/tickCompleted: \{ id: '\d+', outcome: 'SUCCESS' \}/g) ?? []).length >= 2 ? true : undefined),
          15_000,
          `two ticks from the snippet (it printed: ${output})`,
        );
      } finally {
        client.kill('SIGKILL');
      }
      expect(output).not.toMatch(/error/i);
    });
  });
});
