import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './aol-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      database: { driver: 'sqlite', path: resolve('./data/aol.sqlite') },
      tickIntervalMs: 5000,
      maxActionsPerTick: 3,
      maxTickSeconds: 20,
      maxRetries: 3,
      leaseTtlSeconds: 30,
      proofModeOnly: true,
      artifactDir: resolve('./artifacts'),
      tickEnabled: true,
      migrateOnStart: true,
    });
    expect(config.instanceId).toMatch(/^.+:\d+:[0-9a-f]{6}$/);
  });

  it('reads sqlite:PATH and postgres:// URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).toEqual({ driver: 'sqlite', path: '/tmp/x.sqlite' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' }).database).toEqual({ driver: 'postgresql', url: 'postgres://u@h:5432/db' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).database.driver).toBe('postgresql');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', AOL_PROOF_MODE: '' })).toMatchObject({ port: 3000, proofModeOnly: true });
  });

  it.each([
    ['AOL_MAX_ACTIONS_PER_TICK', 'abc'],
    ['AOL_MAX_ACTIONS_PER_TICK', '1.5'],
    ['AOL_MAX_ACTIONS_PER_TICK', '0'],
    ['AOL_TICK_INTERVAL_MS', '12abc'],
    ['PORT', '70000'],
    ['AOL_MAX_RETRIES', '-1'],
    ['AOL_PROOF_MODE', 'yes'],
    ['DATABASE_URL', 'mysql://x'],
    ['NODE_ENV', 'prod'],
    ['AOL_INSTANCE_ID', 'has space'],
  ])('refuses %s=%s, naming the variable and the value', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
    expect(problems[0]).toContain(value);
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ PORT: 'x', AOL_MAX_RETRIES: 'y' })).toHaveLength(2);
  });

  it('refuses a lease that the longest tick would outlive', () => {
    expect(problemsOf({ AOL_LEASE_TTL_SECONDS: '25', AOL_MAX_TICK_SECONDS: '20', AOL_ACTION_TIMEOUT_SECONDS: '8' })[0]).toMatch(
      /AOL_LEASE_TTL_SECONDS \(25\) must be at least AOL_MAX_TICK_SECONDS \(20\) \+ AOL_ACTION_TIMEOUT_SECONDS \(8\)/,
    );
  });

  it('refuses a tick interval the lease would not survive', () => {
    expect(problemsOf({ AOL_TICK_INTERVAL_MS: '29000' })[0]).toMatch(/AOL_TICK_INTERVAL_MS \(29000\) must be shorter than AOL_LEASE_TTL_SECONDS/);
  });
});
