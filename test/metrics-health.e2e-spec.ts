import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheusTextFormat, { PrometheusFamily, PrometheusSample } from 'parse-prometheus-text-format';
import { AolMetrics } from '../src/metrics/aol-metrics';
import { abandon, enqueuePost } from './support/actions';
import { launchServer } from './support/aol-server';
import { withClient } from './support/postgres-admin';
import { BUILT_CLI, requireBuild, runNode } from './support/processes';
import { TestApp, useFreshDatabase } from './support/test-app';
import { DRIVERS, TEST_POSTGRES_URL } from './support/test-database';

const METRICS_TOKEN = 'scraper-token-0123456789';
/** As root, permission bits do not stop a write: there the folder is replaced by a file instead. */
const ROOT = process.getuid?.() === 0;

function urlOf(aol: TestApp, path: string): string {
  return aol.graphqlUrl.replace(/\/graphql$/, path);
}

/** The last scrape's text, for what the parser drops: the labels of a labelled histogram. */
let lastText = '';

/** GET /metrics, parsed by a Prometheus text-format parser (which throws on any line outside the format). */
async function scrape(aol: TestApp, headers: Record<string, string> = {}): Promise<Map<string, PrometheusFamily>> {
  const response = await fetch(urlOf(aol, '/metrics'), { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  lastText = text;
  // Every line: a comment (# HELP / # TYPE), or a sample `name{labels} value`.
  for (const line of text.split('\n').filter(Boolean))
    expect(line).toMatch(/^(# (HELP|TYPE) [a-zA-Z_:][\w:]* .*|[a-zA-Z_:][\w:]*(\{.*\})? \S+)$/);
  return new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
}

/** The sample of `name` whose labels include `labels` (one expected). */
function sample(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}): PrometheusSample | undefined {
  const found = families
    .get(name)
    ?.metrics.filter((metric) => Object.entries(labels).every(([label, value]) => metric.labels?.[label] === value));
  expect((found ?? []).length).toBeLessThanOrEqual(1);
  return found?.[0];
}

function valueOf(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}): number {
  const found = sample(families, name, labels);
  return found === undefined ? 0 : Number(found.value ?? found.count ?? found.buckets?.['+Inf']);
}

async function health(aol: TestApp, path: '/health' | '/health/live' | '/health/ready'): Promise<{ status: number; body: any }> {
  const response = await fetch(urlOf(aol, path));
  return { status: response.status, body: await response.json() };
}

describe.each(DRIVERS)('metrics and health on %s', (driver) => {
  const fresh = useFreshDatabase(driver);

  it('/metrics parses, shows every metric the module declares, and its counters and gauges move as a drain runs', async () => {
    const aol = await fresh.start();
    const before = await scrape(aol);
    const declared = aol.app.get(AolMetrics).seriesNames();
    // Each family the registry declares is served (a histogram as one family of _bucket/_sum/_count).
    for (const name of before.keys()) expect(declared.some((series) => series === name || series === `${name}_bucket`)).toBe(true);
    for (const name of [
      'aol_queue_actions',
      'aol_ticks_total',
      'aol_tick_duration_seconds',
      'aol_attempts_total',
      'aol_leader',
      'process_cpu_seconds_total',
    ])
      expect(before.has(name)).toBe(true);
    expect(before.get('aol_tick_duration_seconds')!.type).toBe('HISTOGRAM');
    expect(valueOf(before, 'aol_queue_actions', { status: 'PENDING' })).toBe(0);
    expect(valueOf(before, 'aol_leader')).toBe(0);
    expect(valueOf(before, 'aol_control_flag', { flag: 'proof_mode' })).toBe(1);
    expect(valueOf(before, 'aol_database_up')).toBe(1);

    for (let i = 0; i < 5; i += 1) await enqueuePost(aol, `metrics-${i}`);
    const enqueued = await scrape(aol);
    expect(valueOf(enqueued, 'aol_queue_actions', { status: 'PENDING' })).toBe(5);
    expect(valueOf(enqueued, 'aol_oldest_due_age_seconds')).toBeGreaterThanOrEqual(0);

    // The default cap: 3 actions a tick.
    expect(await aol.tick()).toMatchObject({ outcome: 'SUCCESS', attempted: 3 });
    const first = await scrape(aol);
    expect(valueOf(first, 'aol_queue_actions', { status: 'PENDING' })).toBe(2);
    expect(valueOf(first, 'aol_queue_actions', { status: 'SUCCESS' })).toBe(3);
    expect(valueOf(first, 'aol_ticks_total', { outcome: 'SUCCESS' })).toBe(1);
    expect(valueOf(first, 'aol_tick_duration_seconds')).toBe(1);
    expect(valueOf(first, 'aol_attempts_total', { type: 'POST_SOCIAL', outcome: 'SUCCESS', mode: 'PROOF' })).toBe(3);
    expect(valueOf(first, 'aol_attempt_duration_seconds')).toBe(3);
    expect(lastText).toMatch(/^aol_attempt_duration_seconds_count\{type="POST_SOCIAL"\} 3$/m);
    expect(valueOf(first, 'aol_enqueue_to_start_seconds')).toBe(3);
    // The spec's tick records its attempts in one group at its end: one recording.
    expect(valueOf(first, 'aol_recording_duration_seconds')).toBe(1);
    expect(Number(sample(first, 'aol_recording_duration_seconds')?.sum)).toBeGreaterThan(0);
    expect(valueOf(first, 'aol_leader')).toBe(1);
    expect(valueOf(first, 'aol_lease_epoch')).toBe(1);
    expect(valueOf(first, 'aol_last_tick_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);

    expect(await aol.tick()).toMatchObject({ outcome: 'SUCCESS', attempted: 2 });
    await aol.graphql('mutation { pause(reason: "metrics") { paused } }');
    expect(await aol.tick()).toMatchObject({ outcome: 'PAUSED' });
    const drained = await scrape(aol);
    expect(valueOf(drained, 'aol_queue_actions', { status: 'PENDING' })).toBe(0);
    expect(valueOf(drained, 'aol_queue_actions', { status: 'SUCCESS' })).toBe(5);
    expect(valueOf(drained, 'aol_oldest_due_age_seconds')).toBe(0);
    expect(valueOf(drained, 'aol_ticks_total', { outcome: 'SUCCESS' })).toBe(2);
    expect(valueOf(drained, 'aol_ticks_total', { outcome: 'PAUSED' })).toBe(1);
    expect(valueOf(drained, 'aol_tick_duration_seconds')).toBe(3);
    expect(valueOf(drained, 'aol_recording_duration_seconds')).toBe(2);
    expect(valueOf(drained, 'aol_attempts_total', { type: 'POST_SOCIAL', outcome: 'SUCCESS', mode: 'PROOF' })).toBe(5);
    expect(valueOf(drained, 'aol_control_flag', { flag: 'paused' })).toBe(1);
    expect(valueOf(drained, 'aol_rescues_total')).toBe(0);
  });

  it('counts what a new leader decides about actions a stopped one left RUNNING', async () => {
    const aol = await fresh.start();
    const runAgain = await enqueuePost(aol, 'orphan-again');
    const tooOften = await enqueuePost(aol, 'orphan-too-often');
    await abandon(aol, runAgain.id, 'PROOF');
    await abandon(aol, tooOften.id, 'PROOF', 3);
    expect(await aol.tick()).toMatchObject({ outcome: 'SUCCESS', attempted: 1 });
    const families = await scrape(aol);
    expect(valueOf(families, 'aol_rescues_total', { decision: 'RETRY' })).toBe(1);
    expect(valueOf(families, 'aol_rescues_total', { decision: 'RESCUED_TOO_OFTEN' })).toBe(1);
    expect(valueOf(families, 'aol_rescues_total', { decision: 'OUTCOME_UNKNOWN' })).toBe(0);
    expect(valueOf(families, 'aol_queue_actions', { status: 'NEEDS_REVIEW' })).toBe(1);
    // The re-run is an attempt like any other; the abandoned one is the rescue's, not counted twice.
    expect(valueOf(families, 'aol_attempts_total', { type: 'POST_SOCIAL', outcome: 'SUCCESS', mode: 'PROOF' })).toBe(1);
    expect(families.get('aol_attempts_total')!.metrics).toHaveLength(1);
    // Only first attempts count towards the wait from enqueue.
    expect(valueOf(families, 'aol_enqueue_to_start_seconds')).toBe(0);
  });

  it('/metrics wants AOL_METRICS_TOKEN when it is set (the API token does not do); /health needs none', async () => {
    const aol = await fresh.start({ env: { AOL_METRICS_TOKEN: METRICS_TOKEN, AOL_API_TOKEN: 'operator-token-0123456789' } });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', 'Bearer operator-token-0123456789', METRICS_TOKEN]) {
      const response = await fetch(urlOf(aol, '/metrics'), { headers: authorization ? { authorization } : {} });
      expect([authorization, response.status]).toEqual([authorization, 401]);
      expect(await response.text()).not.toContain('aol_');
    }
    expect((await scrape(aol, { authorization: `Bearer ${METRICS_TOKEN}` })).has('aol_leader')).toBe(true);
    expect((await health(aol, '/health/ready')).status).toBe(200);
    expect((await health(aol, '/health/live')).status).toBe(200);
  });

  it("/metrics counts wrong tokens towards the address's failed authentications: past AOL_RATE_LIMIT_FAILED_AUTH it answers 429, the right token included", async () => {
    const aol = await fresh.start({
      env: { AOL_METRICS_TOKEN: METRICS_TOKEN, AOL_RATE_LIMIT_FAILED_AUTH: '3', AOL_RATE_LIMIT_WINDOW_SECONDS: '60' },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await fetch(urlOf(aol, '/metrics'), { headers: { authorization: `Bearer guess-${i}-0123456789abcdef` } })).status);
    const limited = await fetch(urlOf(aol, '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect([...statuses, limited.status]).toEqual([401, 401, 401, 429]);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('/health/ready turns 503 while AOL_ARTIFACT_DIR cannot be written and back once it can; /health/live stays 200', async () => {
    const aol = await fresh.start();
    const ready = await health(aol, '/health/ready');
    expect(ready).toEqual({
      status: 200,
      body: { status: 'ok', checks: { database: 'ok', migrations: 'ok', artifacts: 'ok', tick: 'ok' } },
    });
    expect(await health(aol, '/health')).toEqual(ready);

    if (ROOT) {
      await rm(aol.artifactDir, { recursive: true, force: true });
      await writeFile(aol.artifactDir, 'not a folder');
    } else {
      await chmod(aol.artifactDir, 0o555);
    }
    try {
      for (const path of ['/health/ready', '/health'] as const) {
        const refused = await health(aol, path);
        expect(refused).toEqual({
          status: 503,
          body: {
            status: 'unavailable',
            reason: 'AOL_ARTIFACT_DIR cannot be written',
            checks: { database: 'ok', migrations: 'ok', artifacts: 'AOL_ARTIFACT_DIR cannot be written', tick: 'ok' },
          },
        });
      }
      expect(await health(aol, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    } finally {
      if (ROOT) {
        await rm(aol.artifactDir, { force: true });
        await mkdir(aol.artifactDir);
      } else {
        await chmod(aol.artifactDir, 0o755);
      }
    }
    expect((await health(aol, '/health/ready')).status).toBe(200);
  });

  if (driver === 'postgresql') {
    it('/health/ready turns 503 while the database refuses connections and recovers by itself; /health/live stays 200', async () => {
      const aol = await fresh.start();
      const name = new URL(fresh.db.url).pathname.slice(1);
      const allowConnections = (allow: boolean) =>
        withClient(TEST_POSTGRES_URL, async (client) => {
          // A superuser (as the tests connect) ignores CONNECTION LIMIT, not ALLOW_CONNECTIONS.
          await client.query(`alter database ${name} allow_connections ${allow}`);
          if (!allow) await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
        });
      await allowConnections(false);
      try {
        const refused = await health(aol, '/health/ready');
        expect(refused.status).toBe(503);
        expect(refused.body).toMatchObject({
          status: 'unavailable',
          checks: { database: 'the database does not answer', artifacts: 'ok' },
        });
        expect((await health(aol, '/health')).status).toBe(503);
        expect(await health(aol, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
        // The scrape still answers: the process metrics and counters, the database's gauges marked down.
        const families = await scrape(aol);
        expect(valueOf(families, 'aol_database_up')).toBe(0);
        expect(families.has('process_cpu_seconds_total')).toBe(true);
      } finally {
        await allowConnections(true);
      }
      const deadline = Date.now() + 20_000;
      while ((await health(aol, '/health/ready')).status !== 200 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await health(aol, '/health/ready')).status).toBe(200);
    });
  }

  it('a server that ticks is ready once it has ticked: the tick check runs where AOL_TICK_ENABLED=1', async () => {
    const aol = await fresh.start({ env: { AOL_TICK_ENABLED: '1', AOL_TICK_INTERVAL_MS: '200' } });
    const deadline = Date.now() + 10_000;
    while (valueOf(await scrape(aol), 'aol_ticks_total', { outcome: 'SUCCESS' }) === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await health(aol, '/health/ready')).toMatchObject({ status: 200, body: { checks: { tick: 'ok' } } });
    expect(valueOf(await scrape(aol), 'aol_leader')).toBe(1);
  });

  it('start-up fails, naming AOL_ARTIFACT_DIR, when the artifact folder cannot be written', async () => {
    requireBuild();
    const blocker = join(fresh.db.dir, 'a-file');
    await writeFile(blocker, '');
    const cases = [join(blocker, 'artifacts')];
    if (!ROOT) {
      const readOnly = join(fresh.db.dir, 'read-only');
      await mkdir(readOnly, { mode: 0o555 });
      cases.push(readOnly);
    }
    for (const artifactDir of cases) {
      const failure = launchServer({
        env: { DATABASE_URL: fresh.db.url, AOL_ARTIFACT_DIR: artifactDir },
        cwd: fresh.db.dir,
        timeoutMs: 20_000,
      });
      await expect(failure).rejects.toThrow(`AOL_ARTIFACT_DIR (${artifactDir}) cannot be written`);
    }
  });
});

describe('start-up on an SQLite file that cannot be opened', () => {
  const fresh = useFreshDatabase('sqlite');

  it('fails naming DATABASE_URL and the path: under a file, or a folder in its place (the server, and the CLI with exit code 2)', async () => {
    requireBuild();
    const blocker = join(fresh.db.dir, 'a-file');
    await writeFile(blocker, '');
    const folder = join(fresh.db.dir, 'a-folder');
    await mkdir(folder);
    for (const path of [join(blocker, 'aol.sqlite'), folder]) {
      const failure = launchServer({
        env: { DATABASE_URL: `sqlite:${path}`, AOL_ARTIFACT_DIR: join(fresh.db.dir, 'artifacts') },
        cwd: fresh.db.dir,
      });
      await expect(failure).rejects.toThrow(`DATABASE_URL: cannot open the SQLite file ${path}`);
      const cli = await runNode(BUILT_CLI, ['status'], { DATABASE_URL: `sqlite:${path}` }, fresh.db.dir);
      expect([cli.code, cli.stderr]).toEqual([2, expect.stringContaining(`DATABASE_URL: cannot open the SQLite file ${path}`)]);
    }
  });
});
