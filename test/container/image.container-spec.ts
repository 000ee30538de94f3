import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT, waitFor } from '../support/processes';
import { graphqlRequest } from '../support/graphql-client';
import { ENQUEUE_ACTION } from '../support/actions';

const exec = promisify(execFile);
/** Development tools that the build stage needs and the runtime must not carry. */
const DEV_TOOLS = ['jest', 'typescript', 'eslint', 'prettier', '@nestjs/cli', '@swc/core', 'graphile-worker', 'pg-boss'];
const IMAGE = process.env.AOL_TEST_IMAGE ?? 'localhost/aol:test';
const CONTAINERS_CONF = join(PROJECT_ROOT, 'scripts', 'container', 'containers.conf');
const packageJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};

async function podman(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await exec('podman', args, {
    env: { ...process.env, CONTAINERS_CONF },
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/** Exit code and output of a podman command that may fail. */
async function podmanResult(args: string[]): Promise<{ code: number; output: string }> {
  return podman(args).then(
    (output) => ({ code: 0, output }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: `${error.stdout}${error.stderr}` }),
  );
}

interface ImageInspection {
  ManifestType: string;
  Config: {
    User: string;
    Entrypoint: string[];
    Cmd: string[];
    ExposedPorts: Record<string, unknown>;
    Volumes: Record<string, unknown>;
    Labels: Record<string, string>;
  };
  Healthcheck?: { Test: string[] };
}

/**
 * The image as built by `npm run test:container` (scripts/container/test.sh), run with podman:
 * its metadata, its dependencies, and a container on named volumes that serves, runs an
 * action, passes its own health check and stops cleanly on SIGTERM.
 */
describe('the container image', () => {
  const id = randomBytes(4).toString('hex');
  const container = `aol-test-${id}`;
  const volumes = { data: `aol-test-${id}-data`, artifacts: `aol-test-${id}-artifacts` };
  const mounts = ['-v', `${volumes.data}:/data`, '-v', `${volumes.artifacts}:/artifacts`];
  const token = randomBytes(24).toString('hex');
  const auth = { authorization: `Bearer ${token}` };
  let image: ImageInspection;

  beforeAll(async () => {
    [image] = JSON.parse(await podman(['image', 'inspect', IMAGE])) as ImageInspection[];
    for (const volume of Object.values(volumes)) await podman(['volume', 'create', volume]);
  });

  afterAll(async () => {
    await podmanResult(['rm', '--force', '--time', '0', container]);
    await podmanResult(['volume', 'rm', '--force', ...Object.values(volumes)]);
  });

  it('runs tini as PID 1 and node as the user node, keeps data and artifacts in volumes, and says what it is', () => {
    const config = image.Config;
    expect(config.User).toBe('node');
    expect(config.Entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(config.Cmd).toEqual(['node', 'dist/src/main.js']);
    expect(Object.keys(config.ExposedPorts)).toEqual(['3000/tcp']);
    expect(Object.keys(config.Volumes).sort()).toEqual(['/artifacts', '/data']);
    // Built with --format docker: the OCI format has no place for a health check and drops it.
    expect(image.ManifestType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(image.Healthcheck?.Test[0]).toBe('CMD');
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.title': 'aol',
      'org.opencontainers.image.version': packageJson.version,
      'org.opencontainers.image.revision': expect.stringMatching(/^[0-9a-f]{40}$/),
      'org.opencontainers.image.base.name': expect.stringMatching(/^node:24\.\d+\.\d+-bookworm-slim/),
    });
  });

  it('carries the Node.js release its base names, one that package.json supports, and production dependencies only', async () => {
    const output = await podman([
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      IMAGE,
      '-c',
      `node --version; stat -c %u:%g /data /artifacts; test -w /app || echo app-read-only
       for name in @nestjs/core sqlite3 ${DEV_TOOLS.join(' ')}; do if test -e node_modules/$name; then echo $name; fi; done`,
    ]);
    const [nodeVersion, ...rest] = output.split('\n');
    const base = image.Config.Labels['org.opencontainers.image.base.name'];
    expect(base).toContain(`node:${nodeVersion.slice(1)}-`);
    const major = nodeVersion.slice(1).split('.')[0];
    expect(packageJson.engines.node.split('||').map((range) => range.trim())).toContainEqual(expect.stringMatching(`^\\^${major}\\.`));
    // The folders belong to uid 1000, the code does not; of the packages only those the service runs.
    expect(rest).toEqual(['1000:1000', '1000:1000', 'app-read-only', '@nestjs/core', 'sqlite3']);
  });

  it('serves on volumes, runs an action in PROOF mode as uid 1000, and on SIGTERM exits 0 with the lease released', async () => {
    await podman([
      'run',
      '--detach',
      '--name',
      container,
      // As deploy/kubernetes runs it: nothing writable but the volumes and a /tmp (podman mounts one).
      '--read-only',
      '--publish',
      '127.0.0.1::3000',
      ...mounts,
      '--env',
      `AOL_API_TOKEN=${token}`,
      '--env',
      'AOL_TICK_INTERVAL_MS=200',
      IMAGE,
    ]);
    // The image's own HEALTHCHECK, run the way the engine runs it.
    await waitFor(async () => ((await podmanResult(['healthcheck', 'run', container])).code === 0 ? true : undefined), 60_000, 'healthy');
    const [, port] = /:(\d+)$/.exec(await podman(['port', container, '3000/tcp']))!;
    const graphqlUrl = `http://127.0.0.1:${port}/graphql`;

    // Every process in the container, tini included, runs as uid 1000.
    const uids = await podman(['exec', container, 'sh', '-c', 'grep -H "^Uid:" /proc/[0-9]*/status']);
    expect(uids.split('\n').length).toBeGreaterThanOrEqual(2);
    for (const line of uids.split('\n')) expect(line).toMatch(/Uid:\s+1000\s+1000\s+1000\s+1000$/);
    expect(await podman(['top', container, 'pid', 'user', 'args'])).toMatch(
      /^1\s+node\s+\/usr\/bin\/tini -- node dist\/src\/main\.js\s*$/m,
    );

    const anonymous = await graphqlRequest(graphqlUrl, '{ autonomyStatus { mode } }');
    expect([anonymous.status, anonymous.errors?.[0].extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
    const enqueued = await graphqlRequest(
      graphqlUrl,
      ENQUEUE_ACTION,
      { input: { type: 'POST_SOCIAL', idempotencyKey: `image-${id}`, payload: { platform: 'linkedin', text: 'from the image' } } },
      auth,
    );
    expect(enqueued.errors).toBeUndefined();
    const actionId = enqueued.data!.enqueueAction.action.id as string;
    const done = await waitFor(
      async () => {
        const response = await graphqlRequest(
          graphqlUrl,
          `{ action(id: "${actionId}") { status artifactRef artifactSha256 executionLogs(first: 1) { edges { node { mode } } } } }`,
          undefined,
          auth,
        );
        return response.data?.action.status === 'SUCCESS' ? response.data.action : undefined;
      },
      30_000,
      'the action to succeed',
    );
    expect(done.executionLogs.edges[0].node.mode).toBe('PROOF');
    // The artifact is in the named volume, written by uid 1000, with the hash the action records.
    const artifactVolume = await podman(['volume', 'inspect', volumes.artifacts, '--format', '{{.Mountpoint}}']);
    const artifactPath = join(artifactVolume, done.artifactRef);
    const artifact = await readFile(artifactPath);
    expect(JSON.parse(artifact.toString()).post.text).toBe('from the image');
    expect(createHash('sha256').update(artifact).digest('hex')).toBe(done.artifactSha256);
    expect((await stat(artifactPath)).uid).toBe(1000);

    await podman(['kill', '--signal', 'TERM', container]);
    expect(await podman(['wait', container], 30_000)).toBe('0');
    const logs = await podmanResult(['logs', container]);
    expect(logs.output).toContain('SIGTERM: shutting down');

    // The SQLite file outlived the container: the image's CLI, on the same volumes, finds the
    // lease released and the action done.
    const status = JSON.parse(
      await podman(['run', '--rm', ...mounts, '--env', `AOL_API_TOKEN=${token}`, IMAGE, 'node', 'dist/src/cli.js', 'status']),
    ) as { lease: { owner: string | null; epoch: number }; queue: Record<string, number> };
    expect(status.lease).toMatchObject({ owner: null, epoch: 1 });
    expect(status.queue.success).toBe(1);
  });
});
