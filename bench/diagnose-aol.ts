import { stat, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { ExecutionMode } from '../src/actions/execution-mode';
import { render, sql as sqlTag } from '../src/database/sql';
import { POSTGRESQL_DIALECT } from '../src/database/sql-dialect';
import { leaseFence } from '../src/lease/sql/lease-fence';
import { claimDue } from '../src/queue/sql/claim-due';
import { resume } from './aol-graphql';
import { aolEnv, migrateAol, startAolServer } from './aol-process';
import { epochMs, sleep } from './clock';
import { createDatabase, readLogFrom, sql } from './postgres';
import { PAUSE_SWITCHBOARD_POSTGRES, SEED_ACTIONS_POSTGRES } from './seed';
import { readSettings } from './settings';

/**
 * `npm run bench:diagnose`: where AOL's drain time goes, for the report and for whoever
 * changes the hot path. On a fresh database it
 * 1. times this server's commit (autocommit INSERT, and the same without WAL: a temp table);
 * 2. drains BENCH_DIAGNOSE_JOBS (500) actions through the built service with the caps lifted
 *    and `log_statement = 'all'`, and counts the statements it sent per action, by kind;
 * 3. prints EXPLAIN (ANALYZE, BUFFERS) of AOL's claim statement (src/queue/sql/claim-due.ts,
 *    rendered from the code) over a fresh queue of BENCH_JOBS actions, rolled back,
 *    then again with BENCH_STATUS_ROWS finished actions added to the table;
 * 4. drains the same number again with `node --cpu-prof` (no statement logging) and prints
 *    where the service's CPU time went: idle (waiting on PostgreSQL or the disk), garbage
 *    collection, and the heaviest functions and packages by self time.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function packageOf(url: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  if (url.includes('/dist/src/')) return 'AOL (dist/src)';
  if (url.startsWith('node:') || url === '') return url === '' ? '(native / runtime)' : 'node core';
  return url;
}

async function summariseProfile(directory: string): Promise<void> {
  const { readdir, readFile } = await import('node:fs/promises');
  const file = (await readdir(directory)).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  const profile = JSON.parse(await readFile(join(directory, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000));
  const total = [...selfMs.values()].reduce((sum, value) => sum + value, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const name =
      `${frame.functionName || '(anonymous)'} ${frame.url ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${frame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const pkg = ['(idle)', '(garbage collector)', '(program)'].includes(frame.functionName) ? frame.functionName : packageOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  }
  const show = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, ms]) => `  ${ms.toFixed(0).padStart(7)} ms ${((ms / total) * 100).toFixed(1).padStart(5)} %  ${name}`)
      .join('\n');
  console.log(
    `profile: ${total.toFixed(0)} ms sampled\nby package or state:\n${show(byPackage, 12)}\nheaviest functions (self time):\n${show(byFunction, 20)}`,
  );
}

async function commitCost(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table commit_probe (x int)');
    await client.query('create temp table commit_probe_temp (x int)');
    for (const table of ['commit_probe', 'commit_probe_temp']) {
      const began = epochMs();
      for (let index = 0; index < 500; index += 1) await client.query(`insert into ${table} values ($1)`, [index]);
      console.log(
        `autocommit INSERT into ${table === 'commit_probe' ? 'a table (WAL flushed at commit)' : 'a temp table (no WAL flush)'}: ${((epochMs() - began) / 500).toFixed(3)} ms each`,
      );
    }
  } finally {
    await client.end();
  }
}

function kindOf(statement: string): string {
  const text = statement.replace(/\s+/g, ' ').trim().toLowerCase();
  const table = /(?:from|into|update) "?(aol_[a-z_]+)/.exec(text)?.[1] ?? '';
  return `${text.split(' ')[0]} ${table}`.trim();
}

/** EXPLAIN (ANALYZE, BUFFERS) of AOL's claim (src/queue/sql/claim-due.ts, PostgreSQL's variant), rolled back. */
async function explainClaim(url: string, limit: number): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`update aol_lease set owner = 'diagnose', epoch = 1, expires_at = now() + interval '1 hour'`);
    const claim = claimDue(POSTGRESQL_DIALECT, { fence: leaseFence(POSTGRESQL_DIALECT, 'diagnose', 1), limit, mode: ExecutionMode.PROOF });
    const { text, values } = render(sqlTag`explain (analyze, buffers) ${claim}`, (index) => `$${index}`);
    const plan = await client.query<{ 'QUERY PLAN': string }>(text, values);
    console.log(`(limit ${limit}, rolled back)`);
    console.log(plan.rows.map((row) => row['QUERY PLAN']).join('\n'));
    await client.query('rollback');
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const jobs = Number(process.env.BENCH_DIAGNOSE_JOBS ?? 500);
  const scratch = join(settings.scratchDir, 'diagnose');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });

  const database = await createDatabase(settings.postgresAdminUrl, 'diagnose');
  try {
    console.log('## 1. Commit cost on this server');
    await commitCost(database.url);

    console.log(`\n## 2. Statements AOL sends per action (drain of ${jobs}, caps lifted)`);
    await migrateAol(database.url);
    await sql(database.url, PAUSE_SWITCHBOARD_POSTGRES);
    await sql(database.url, SEED_ACTIONS_POSTGRES, [jobs]);
    await sql(settings.postgresAdminUrl, `alter database ${database.name} set log_statement = 'all'`);
    const server = await startAolServer(aolEnv(settings, database.url, join(scratch, 'artifacts'), 'lifted'));
    const offset = (await stat(settings.postgresLogFile)).size;
    const began = epochMs();
    await resume(server.url);
    for (;;) {
      const rows = await sql<{ left: string }>(database.url, `select count(*) as left from aol_actions where status <> 'SUCCESS'`);
      if (Number(rows[0].left) === 0) break;
      await sleep(20);
    }
    const seconds = (epochMs() - began) / 1000;
    await server.child.stop();
    await sleep(300);
    const lines = (await readLogFrom(settings.postgresLogFile, offset)).split('\n');
    const pattern = new RegExp(`@${database.name} LOG:  (?:statement|execute [^:]*): (.*)$`);
    const kinds = new Map<string, number>();
    let total = 0;
    for (const line of lines) {
      const match = pattern.exec(line);
      if (!match || match[1].includes('count(*) as left')) continue;
      total += 1;
      const kind = kindOf(match[1]);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    console.log(
      `${jobs} actions in ${seconds.toFixed(2)} s (${(jobs / seconds).toFixed(0)} actions/s, log_statement=all slows it somewhat)`,
    );
    console.log(
      `${total} statements from AOL: ${(total / jobs).toFixed(2)} per action, each its own transaction unless listed as begin/commit`,
    );
    for (const [kind, count] of [...kinds.entries()].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${String(count).padStart(7)}  ${(count / jobs).toFixed(3).padStart(6)}/action  ${kind}`);
    }
  } finally {
    await database.drop();
  }

  console.log(`\n## 3. AOL's claim statement over a queue of ${settings.jobs} due actions`);
  const queue = await createDatabase(settings.postgresAdminUrl, 'diagnose_claim');
  try {
    await migrateAol(queue.url);
    await sql(queue.url, SEED_ACTIONS_POSTGRES, [settings.jobs]);
    await sql(queue.url, 'vacuum analyze aol_actions');
    await sql(
      queue.url,
      `update aol_lease set owner = 'diagnose', epoch = 1, expires_at = statement_timestamp() + interval '1 hour' where name = 'orchestrator'`,
    );
    await explainClaim(queue.url, settings.aolMaxActionsPerTick);
    // The same queue once a million finished actions sit beside it, as in a long-lived deployment.
    await sql(
      queue.url,
      `insert into aol_actions (idempotency_key, type, payload, status, attempts, run_after, created_at, updated_at, finished_at)
       select 'done-' || i, 'POST_SOCIAL', '{"platform":"mastodon","text":"old"}', 'SUCCESS', 1,
              statement_timestamp(), statement_timestamp(), statement_timestamp(), statement_timestamp()
       from generate_series(1, $1::int) as i`,
      [settings.statusRows],
    );
    await sql(queue.url, 'vacuum analyze aol_actions');
    console.log(`\n### The same with ${settings.statusRows} finished (SUCCESS) actions in the table`);
    await explainClaim(queue.url, settings.aolMaxActionsPerTick);
  } finally {
    await queue.drop();
  }

  console.log(`\n## 4. CPU profile of the service draining ${jobs} actions (node --cpu-prof)`);
  const profiled = await createDatabase(settings.postgresAdminUrl, 'diagnose_profile');
  try {
    await migrateAol(profiled.url);
    await sql(profiled.url, PAUSE_SWITCHBOARD_POSTGRES);
    await sql(profiled.url, SEED_ACTIONS_POSTGRES, [jobs]);
    const profileDir = join(scratch, 'profile');
    const server = await startAolServer(aolEnv(settings, profiled.url, join(scratch, 'artifacts-profile'), 'lifted'), [
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
    ]);
    const began = epochMs();
    await resume(server.url);
    for (;;) {
      const rows = await sql<{ left: string }>(profiled.url, `select count(*) as left from aol_actions where status <> 'SUCCESS'`);
      if (Number(rows[0].left) === 0) break;
      await sleep(20);
    }
    console.log(`${jobs} actions in ${((epochMs() - began) / 1000).toFixed(2)} s (profile covers boot too)`);
    await server.child.stop();
    await summariseProfile(profileDir);
  } finally {
    await profiled.drop();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
