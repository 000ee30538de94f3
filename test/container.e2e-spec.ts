import { lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PROJECT_ROOT, requireBuild, runNode, waitFor } from './support/processes';
import { startServer, stopServer, ServerProcess } from './support/server-process';
import { graphqlRequest } from './support/graphql-client';
import { ENQUEUE_ACTION } from './support/actions';

const run = promisify(execFile);

/** The instructions of each stage of the Dockerfile, continuation lines joined. */
function parseDockerfile(text: string): Array<{ name: string; instructions: Array<[string, string]> }> {
  const stages: Array<{ name: string; instructions: Array<[string, string]> }> = [];
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of lines) {
    const [, keyword, rest] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (keyword === 'FROM') stages.push({ name: /\bAS\s+(\S+)/i.exec(rest)?.[1] ?? '', instructions: [] });
    stages[stages.length - 1].instructions.push([keyword, rest.replace(/\s+/g, ' ')]);
  }
  return stages;
}

/**
 * No Docker engine runs here, so this runs what the Dockerfile runs, outside a container:
 * the build stage's prune to production dependencies, then the runtime stage's CMD with its
 * ENV (its volumes mapped to temporary folders) and its HEALTHCHECK.
 */
describe('the Dockerfile, run outside a container', () => {
  let root: string;
  let server: ServerProcess | undefined;
  const dockerfile = parseDockerfile(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'));
  const [build, runtime] = dockerfile;

  beforeAll(async () => {
    requireBuild();
    root = await mkdtemp(join(tmpdir(), 'aol-image-'));
  });

  afterAll(async () => {
    await stopServer(server);
    await rm(root, { recursive: true, force: true });
  });

  it('has a build stage and a slim, non-root runtime stage that keeps data and artifacts in volumes', () => {
    expect(dockerfile.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    const runtimeKeywords = runtime.instructions.map(([keyword]) => keyword);
    expect(runtime.instructions[0][1]).toMatch(/-slim AS runtime$/);
    expect(runtime.instructions).toContainEqual(['USER', 'node']);
    expect(runtime.instructions).toContainEqual(['VOLUME', '["/data", "/artifacts"]']);
    expect(runtimeKeywords).toEqual(expect.arrayContaining(['EXPOSE', 'HEALTHCHECK', 'CMD']));
    expect(build.instructions).toContainEqual(['RUN', 'npm ci']);
    expect(build.instructions.some(([keyword, rest]) => keyword === 'RUN' && rest.includes('npm run build'))).toBe(true);
    // The console and GraphiQL are built from web/, their types from schema.gql.
    expect(build.instructions).toContainEqual(['COPY', 'web ./web']);
    expect(build.instructions.some(([keyword, rest]) => keyword === 'COPY' && rest.split(' ').includes('schema.gql'))).toBe(true);
  });

  it('serves from dist with production dependencies only, runs actions, passes its health check and stops cleanly', async () => {
    const app = join(root, 'app');
    await mkdir(app);
    await run('cp', ['-R', ...['package.json', 'package-lock.json', 'dist'].map((entry) => join(PROJECT_ROOT, entry)), app]);
    // node_modules is hard-linked (a full copy takes most of a minute); npm prune only unlinks
    // what it removes, except the hidden lockfile it rewrites, which gets a copy of its own.
    // The real folder, not a symlink to it: linking a symlink would let prune reach the original.
    const modules = await realpath(join(PROJECT_ROOT, 'node_modules'));
    await run('cp', ['-al', modules, join(app, 'node_modules')]);
    expect((await lstat(join(app, 'node_modules'))).isSymbolicLink()).toBe(false);
    const hiddenLock = join(app, 'node_modules', '.package-lock.json');
    await rm(hiddenLock, { force: true });
    await run('cp', [join(modules, '.package-lock.json'), hiddenLock]);
    const prune = build.instructions.find(([keyword, rest]) => keyword === 'RUN' && rest.includes('npm prune'))![1];
    const pruneCommand = prune
      .split('&&')
      .map((part) => part.trim())
      .find((part) => part.startsWith('npm prune'))!;
    await run('npm', pruneCommand.split(' ').slice(1), { cwd: app });
    await expect(readdir(join(app, 'node_modules', 'jest'))).rejects.toThrow(/ENOENT/);

    const volumes = { '/data': join(root, 'data'), '/artifacts': join(root, 'artifacts') };
    const env: Record<string, string> = {};
    for (const [, rest] of runtime.instructions.filter(([keyword]) => keyword === 'ENV')) {
      for (const [, name, value] of rest.matchAll(/(\w+)=(\S+)/g)) {
        env[name] = Object.entries(volumes).reduce((text, [volume, local]) => text.replace(volume, local), value);
      }
    }
    expect(env).toMatchObject({ NODE_ENV: 'production', DATABASE_URL: `sqlite:${volumes['/data']}/aol.sqlite` });
    const cmd = JSON.parse(runtime.instructions.find(([keyword]) => keyword === 'CMD')![1]) as string[];
    expect(cmd[0]).toBe('node');

    const token = 'container-test-token-0123456789';
    const auth = { authorization: `Bearer ${token}` };
    server = await startServer(join(app, cmd[1]), { ...env, AOL_API_TOKEN: token, AOL_TICK_INTERVAL_MS: '100' }, app);
    const port = new URL(server.graphqlUrl).port;

    const healthcheck = runtime.instructions.find(([keyword]) => keyword === 'HEALTHCHECK')![1];
    const probe = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    expect(probe[0]).toBe('node');
    const health = await runNode(probe[1], probe.slice(2), { PORT: port }, app);
    expect(health.code).toBe(0);

    // The console is served from dist with production dependencies only; GraphiQL is off, and says how to turn it on.
    const consolePage = await fetch(new URL('/', server.graphqlUrl));
    expect([consolePage.status, consolePage.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await consolePage.text())![1];
    expect((await fetch(new URL(script, server.graphqlUrl))).status).toBe(200);
    expect(await (await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } })).text()).toContain('AOL_GRAPHIQL=1');

    const anonymous = await graphqlRequest(server.graphqlUrl, '{ autonomyStatus { mode } }');
    expect([anonymous.status, anonymous.errors?.[0].extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);

    const enqueued = await graphqlRequest(
      server.graphqlUrl,
      ENQUEUE_ACTION,
      { input: { type: 'POST_SOCIAL', idempotencyKey: 'image-1', payload: { platform: 'linkedin', text: 'from the image' } } },
      auth,
    );
    expect(enqueued.errors).toBeUndefined();
    const done = await waitFor(async () => {
      const response = await graphqlRequest(server!.graphqlUrl, '{ action(id: "1") { status artifactRef } }', undefined, auth);
      return response.data?.action.status === 'SUCCESS' ? response.data.action : undefined;
    });
    const artifact = JSON.parse(await readFile(join(volumes['/artifacts'], done.artifactRef), 'utf8'));
    expect(artifact.post.text).toBe('from the image');

    expect(await stopServer(server)).toEqual({ code: 0, signal: null });
  });
});
