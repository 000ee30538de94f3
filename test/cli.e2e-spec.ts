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

  /** One statement on the test's database, outside the CLI; its rows. */
  async function query(text: string): Promise<Array<Record<string, unknown>>> {
    if (driver === 'postgresql') {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query(text)).rows as Array<Record<string, unknown>>;
      } finally {
        await client.end();
      }
    }
    const file = db.url.slice('sqlite:'.length);
    return new Promise((resolve, reject) => {
      const handle = new sqlite3.Database(file, (openError) => {
        if (openError) return reject(openError);
        handle.all(text, (error: Error | null, rows: Array<Record<string, unknown>>) => {
          handle.close();
          if (error) reject(error);
          else resolve(rows);
        });
      });
    });
  }

  async function countTicks(): Promise<number> {
    return Number((await query('select count(*) as n from aol_tick_ledger'))[0].n);
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
    expect(status).toMatchObject({ queue: { success: 1, pending: 0, awaitingApproval: 0 }, lease: { owner: null }, mode: 'PROOF' });
  });

  it('prints actions as the GraphQL Action: enqueue with --priority and --run-after, no internal fields', async () => {
    const later = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    const printed = JSON.parse(
      (
        await aol([
          'enqueue',
          '--type',
          'POST_SOCIAL',
          '--key',
          'cli-later',
          '--payload',
          '{"platform":"mastodon","text":"later"}',
          '--priority',
          '-5',
          '--run-after',
          later,
        ])
      ).stdout,
    );
    expect(printed).toMatchObject({
      created: true,
      action: { idempotencyKey: 'cli-later', priority: -5, runAfter: later, enqueuedBy: 'cli', approvedBy: null },
    });
    expect(printed.action).not.toHaveProperty('attemptFloor');
    expect(printed.action).not.toHaveProperty('claimMode');
  });

  it('approves, rejects, resolves, retries and cancels by id, and flips the switchboard, each recorded with actor cli', async () => {
    const env = { AOL_APPROVAL: 'all' };
    const enqueue = async (key: string) =>
      JSON.parse(
        (await aol(['enqueue', '--type', 'POST_SOCIAL', '--key', key, '--payload', `{"platform":"mastodon","text":"${key}"}`], env)).stdout,
      ).action as { id: string; status: string };
    const verb = async (args: string[]) => {
      const result = await aol(args, env);
      expect([args, result.code, result.stderr]).toEqual([args, 0, '']);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    };
    const [approved, rejected, reviewed, dead] = [
      await enqueue('cli-approve'),
      await enqueue('cli-reject'),
      await enqueue('cli-resolve'),
      await enqueue('cli-retry'),
    ];
    expect(approved.status).toBe('AWAITING_APPROVAL');
    expect(await verb(['approve', approved.id, '--reason', 'wording checked'])).toMatchObject({
      status: 'PENDING',
      approvedBy: 'cli',
      approvalReason: 'wording checked',
    });
    expect(await verb(['reject', rejected.id, '--reason', 'off brand'])).toMatchObject({ status: 'REJECTED' });
    expect((await aol(['tick'], env)).stdout).toMatch(/1 attempted, 1 succeeded/);

    await query(`update aol_actions set status = 'NEEDS_REVIEW' where id = ${Number(reviewed.id)}`);
    await query(`update aol_actions set status = 'DLQ' where id = ${Number(dead.id)}`);
    expect(
      await verb(['resolve', reviewed.id, '--outcome', 'POSTED', '--reason', 'seen it', '--remote-url', 'https://social.example/@aol/9']),
    ).toMatchObject({ status: 'SUCCESS', remoteUrl: 'https://social.example/@aol/9' });
    expect(await verb(['retry', dead.id, '--reason', 'try again'])).toMatchObject({ status: 'PENDING' });
    expect(await verb(['cancel', dead.id, '--reason', 'not wanted'])).toMatchObject({ status: 'CANCELLED' });
    expect(await verb(['pause', '--reason', 'lunch'])).toMatchObject({ paused: true, pausedBy: 'cli', pausedReason: 'lunch' });
    expect(await verb(['resume', '--reason', 'back'])).toMatchObject({ paused: false });
    expect(await verb(['kill', '--reason', 'stop'])).toMatchObject({ killed: true, killedBy: 'cli' });
    expect(await verb(['revive', '--reason', 'go'])).toMatchObject({ killed: false });

    const events = await query('select kind, actor, reason from aol_control_events order by id');
    expect(events.map((event) => [event.kind, event.actor, event.reason])).toEqual([
      ['APPROVE_ACTION', 'cli', 'wording checked'],
      ['REJECT_ACTION', 'cli', 'off brand'],
      ['RESOLVE_ACTION', 'cli', 'seen it'],
      ['RETRY_ACTION', 'cli', 'try again'],
      ['CANCEL_ACTION', 'cli', 'not wanted'],
      ['PAUSE', 'cli', 'lunch'],
      ['RESUME', 'cli', 'back'],
      ['KILL', 'cli', 'stop'],
      ['REVIVE', 'cli', 'go'],
    ]);

    const refused = await aol(['approve', rejected.id, '--reason', 'changed my mind'], env);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/^error: INVALID_STATE: Action \d+ is REJECTED/)]);
    // Fifteen CLI processes, each booting the application: above the default 60 s on a busy machine.
  }, 180_000);

  it('reports a refused enqueue with its code, exits 1 and stores nothing', async () => {
    const result = await aol(['enqueue', '--type', 'POST_SOCIAL', '--key', 'cli-bad', '--payload', '{"platform":"x","text":""}']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: BAD_USER_INPUT: Invalid POST_SOCIAL payload: text must not be empty/);
    expect(await query(`select id from aol_actions where idempotency_key = 'cli-bad'`)).toEqual([]);
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
    [['tick', '--count', '-1'], /--count must be a whole number from 1 to 10000 \(got "-1"\)/],
    [['approve', '--reason', 'ok'], /approve needs the action's id/],
    [['reject', '3'], /reject needs --reason/],
    [['resolve', '3', '--reason', 'x'], /resolve needs --outcome POSTED or NOT_POSTED/],
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
