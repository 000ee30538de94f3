import { Client } from 'pg';
import sqlite3 from 'sqlite3';
import { POSTGRESQL_MIGRATIONS } from '../src/database/migrations/postgresql';
import { SQLITE_MIGRATIONS } from '../src/database/migrations/sqlite';
import { DRIVERS } from './support/test-database';
import { useTestDatabase } from './support/test-app';
import { BUILT_CLI, requireBuild, runNode } from './support/processes';

describe.each(DRIVERS)('the CLI on %s', (driver) => {
  const db = useTestDatabase(driver);
  beforeAll(requireBuild);

  const aol = (args: string[], extraEnv: Record<string, string> = {}) =>
    runNode(BUILT_CLI, args, { DATABASE_URL: db.url, AOL_ARTIFACT_DIR: `${db.dir}/artifacts`, ...extraEnv }, db.dir);

  async function countTicks(): Promise<number> {
    if (driver === 'postgresql') {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        return Number((await client.query('select count(*) as n from aol_tick_ledger')).rows[0].n);
      } finally {
        await client.end();
      }
    }
    const file = db.url.slice('sqlite:'.length);
    return new Promise((resolve, reject) => {
      const handle = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (openError) => {
        if (openError) return reject(openError);
        handle.get('select count(*) as n from aol_tick_ledger', (error: Error | null, row: { n: number }) => {
          handle.close();
          if (error) reject(error);
          else resolve(row.n);
        });
      });
    });
  }

  it('migrates, printing what it applied', async () => {
    const first = await aol(['migrate']);
    expect(first.code).toBe(0);
    const all = (driver === 'postgresql' ? POSTGRESQL_MIGRATIONS : SQLITE_MIGRATIONS).map((migration) => migration.name);
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(first.stdout)).toEqual({ applied: all });
    const again = await aol(['migrate']);
    expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
  });

  it('runs `tick --count 2`: two lines in the spec format, exit 0, two ledger rows', async () => {
    const before = await countTicks();
    const result = await aol(['tick', '--count', '2']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    lines.forEach((line, index) =>
      expect(line).toMatch(
        new RegExp(`^\\[AOL Tick ${index}\\] SUCCESS \\| Actions: 0 attempted, 0 succeeded \\| Duration: \\d+\\.\\d{2}s$`),
      ),
    );
    expect(await countTicks()).toBe(before + 2);
  });

  it('enqueues (idempotently) and runs an action, printing JSON', async () => {
    const args = ['enqueue', '--type', 'POST_SOCIAL', '--key', 'cli-1', '--payload', '{"platform":"mastodon","text":"hi"}'];
    const first = await aol(args);
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout);
    expect(created).toMatchObject({ created: true, action: { idempotencyKey: 'cli-1', status: 'PENDING' } });
    const second = JSON.parse((await aol(args)).stdout);
    expect(second).toMatchObject({ created: false, action: { id: created.action.id } });

    const tick = await aol(['tick']);
    expect(tick.stdout).toMatch(/^\[AOL Tick 0\] SUCCESS \| Actions: 1 attempted, 1 succeeded/);
    const status = JSON.parse((await aol(['status'])).stdout);
    expect(status).toMatchObject({ queue: { SUCCESS: 1, PENDING: 0 }, lease: { owner: null }, mode: { mode: 'PROOF' } });
  });

  it('reports a refused enqueue with its code, exits 1 and stores nothing', async () => {
    const result = await aol(['enqueue', '--type', 'POST_SOCIAL', '--key', 'cli-bad', '--payload', '{"platform":"x","text":""}']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: BAD_USER_INPUT: Invalid POST_SOCIAL payload: text must not be empty/);
    expect(JSON.parse((await aol(['status'])).stdout).queue.PENDING).toBe(0);
  });

  it('warns on stderr of a misspelled variable, naming the closest one, and still answers on stdout', async () => {
    const result = await aol(['status'], { AOL_MAX_ACTION_PER_TICK: '5' });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('AOL_MAX_ACTION_PER_TICK is not a variable AOL reads; did you mean AOL_MAX_ACTIONS_PER_TICK?');
    expect(JSON.parse(result.stdout)).toEqual(expect.objectContaining({ leaderInstanceId: null, leaderMode: null }));
  });
});

describe('the CLI refusing bad arguments and configuration', () => {
  const db = useTestDatabase('sqlite');
  beforeAll(requireBuild);

  const aol = (args: string[], extraEnv: Record<string, string> = {}) =>
    runNode(BUILT_CLI, args, { DATABASE_URL: db.url, ...extraEnv }, db.dir);

  it.each([
    [['bogus'], /Unknown command "bogus"/],
    [[], /No command given/],
    [['tick', '--count', 'abc'], /--count must be a whole number/],
    [['tick', '--count', '0'], /--count must be a whole number/],
    [['tick', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['enqueue', '--type', 'POST_SOCIAL', '--key', 'k'], /enqueue needs --type, --key and --payload/],
    [['enqueue', '--type', 'NOPE', '--key', 'k', '--payload', '{}'], /--type must be one of POST_SOCIAL/],
    [['enqueue', '--type', 'POST_SOCIAL', '--key', 'k', '--payload', '{oops'], /--payload must be JSON/],
  ])('prints usage and exits 2 for %j', async (args, message) => {
    const result = await aol(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage: npm run aol -- <command>');
    expect(result.stdout).toBe('');
  });

  it.each([
    ['AOL_MAX_ACTIONS_PER_TICK', 'abc', /AOL_MAX_ACTIONS_PER_TICK must be an integer from 1 to 10000 \(got "abc"\)/],
    ['AOL_TICK_INTERVAL_MS', '-5', /AOL_TICK_INTERVAL_MS must be an integer/],
    ['AOL_PROOF_MODE', 'maybe', /AOL_PROOF_MODE must be 1 or 0/],
    ['DATABASE_URL', 'mysql://nope', /DATABASE_URL must be sqlite:PATH or postgres:/],
  ])('refuses to start with %s=%s, naming the variable', async (name, value, message) => {
    const result = await aol(['status'], { [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
