import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
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
      approval: 'real',
    });
    expect(config.instanceId).toMatch(/^.+:\d+:[0-9a-f]{6}$/);
  });

  it('turns the hardening on by default: rate limits, WebSocket bounds, introspection for the operator in production', () => {
    expect(loadConfig({})).toMatchObject({
      introspection: 'all',
      rateLimits: { windowSeconds: 60, requests: 12_000, wsConnections: 600, wsMessages: 12_000, failedAuthentications: 30 },
      wsMaxSubscriptions: 100,
      wsMaxBufferedBytes: 4 * 1024 * 1024,
    });
    expect(loadConfig({ NODE_ENV: 'production', AOL_API_TOKEN: 'operator-token-0123456789abcdef' }).introspection).toBe('operator');
    expect(loadConfig({ AOL_RATE_LIMIT_REQUESTS: '0', AOL_INTROSPECTION: 'none' })).toMatchObject({
      introspection: 'none',
      rateLimits: { requests: 0 },
    });
  });

  it.each([
    [{ AOL_INTROSPECTION: 'viewer' }, 'AOL_INTROSPECTION must be all, operator or none (got "viewer")'],
    [{ AOL_APPROVAL: 'some' }, 'AOL_APPROVAL must be real, all or none (got "some")'],
    [{ AOL_RATE_LIMIT_WINDOW_SECONDS: '0' }, 'AOL_RATE_LIMIT_WINDOW_SECONDS must be an integer from 1 to 3600 (got "0")'],
    [{ AOL_RATE_LIMIT_FAILED_AUTH: '-1' }, 'AOL_RATE_LIMIT_FAILED_AUTH must be an integer from 0 to 100000000 (got "-1")'],
    [{ AOL_WS_MAX_SUBSCRIPTIONS: '0' }, 'AOL_WS_MAX_SUBSCRIPTIONS must be an integer from 1 to 100000 (got "0")'],
    [{ AOL_WS_MAX_BUFFERED_BYTES: '1024' }, 'AOL_WS_MAX_BUFFERED_BYTES must be an integer from 65536 to 1073741824 (got "1024")'],
  ])('refuses %j, naming the variable', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('logs at info, as JSON in production and pretty elsewhere, and reads the former level names', () => {
    expect(loadConfig({})).toMatchObject({ logLevel: 'info', logFormat: null });
    expect(loadConfig({ NODE_ENV: 'production', AOL_API_TOKEN: 'operator-token-0123456789abcdef' }).logFormat).toBe('json');
    expect(loadConfig({ AOL_LOG_LEVEL: 'info', AOL_LOG_FORMAT: 'json' })).toMatchObject({ logLevel: 'info', logFormat: 'json' });
    expect(loadConfig({ AOL_LOG_LEVEL: 'log' }).logLevel).toBe('info');
    expect(loadConfig({ AOL_LOG_LEVEL: 'verbose' }).logLevel).toBe('trace');
    expect(() => loadConfig({ AOL_LOG_LEVEL: 'loud' })).toThrow(/AOL_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace/);
    expect(() => loadConfig({ AOL_LOG_FORMAT: 'xml' })).toThrow(/AOL_LOG_FORMAT must be json or pretty \(got "xml"\)/);
  });

  it('keeps what the audit needs by default: idle ticks for 7 days, finished actions for ever', () => {
    expect(loadConfig({}).retention).toEqual({ idleTicksDays: 7, finishedActionsDays: 0, intervalSeconds: 60 });
    expect(
      loadConfig({ AOL_RETAIN_IDLE_TICKS_DAYS: '0', AOL_RETAIN_FINISHED_ACTIONS_DAYS: '30', AOL_RETENTION_INTERVAL_SECONDS: '5' })
        .retention,
    ).toEqual({ idleTicksDays: 0, finishedActionsDays: 30, intervalSeconds: 5 });
    expect(() => loadConfig({ AOL_RETAIN_IDLE_TICKS_DAYS: '-1' })).toThrow(/AOL_RETAIN_IDLE_TICKS_DAYS must be an integer from 0/);
    expect(() => loadConfig({ AOL_RETENTION_INTERVAL_SECONDS: '0' })).toThrow(/AOL_RETENTION_INTERVAL_SECONDS must be an integer from 1/);
  });

  it('reads the audit signing key as PEM or base64 PKCS#8, derives its public key, and refuses anything but Ed25519', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(loadConfig({}).auditSigning).toBeNull();
    for (const key of [pem, pem.replace(/\n/g, '\\n'), der]) {
      const config = loadConfig({ AOL_AUDIT_SIGNING_KEY: key });
      expect(config.auditSigning?.every).toBe(1000);
      expect(config.auditPublicKey?.equals(publicKey)).toBe(true);
    }
    const other = generateKeyPairSync('ed25519').publicKey;
    const given = loadConfig({ AOL_AUDIT_PUBLIC_KEY: other.export({ format: 'pem', type: 'spki' }).toString() });
    expect(given.auditPublicKey?.equals(other)).toBe(true);
    expect(given.auditSigning).toBeNull();
    expect(loadConfig({ AOL_AUDIT_SIGNING_KEY: der, AOL_AUDIT_SIGN_EVERY: '10' }).auditSigning?.every).toBe(10);
    expect(() => loadConfig({ AOL_AUDIT_SIGNING_KEY: 'not a key' })).toThrow(/AOL_AUDIT_SIGNING_KEY must be an Ed25519 private key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => loadConfig({ AOL_AUDIT_SIGNING_KEY: rsa })).toThrow(/AOL_AUDIT_SIGNING_KEY must be an Ed25519 private key.*got a rsa key/);
    expect(() => loadConfig({ AOL_AUDIT_PUBLIC_KEY: der })).toThrow(/AOL_AUDIT_PUBLIC_KEY must be an Ed25519 public key/);
    expect(() => loadConfig({ AOL_AUDIT_SIGN_EVERY: '0' })).toThrow(/AOL_AUDIT_SIGN_EVERY must be an integer from 1/);
  });

  it('reads sqlite:PATH and postgres:// URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).toEqual({ driver: 'sqlite', path: '/tmp/x.sqlite' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' }).database).toEqual({
      driver: 'postgresql',
      url: 'postgres://u@h:5432/db',
    });
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
    expect(problemsOf({ AOL_TICK_INTERVAL_MS: '29000' })[0]).toMatch(
      /AOL_TICK_INTERVAL_MS \(29000\) must be shorter than AOL_LEASE_TTL_SECONDS/,
    );
  });

  describe('Mastodon', () => {
    const TOKEN = 'tok_AbC123-secret_value';
    const MASTODON = { AOL_MASTODON_BASE_URL: 'https://mastodon.example', AOL_MASTODON_ACCESS_TOKEN: TOKEN };

    it('is not configured by default', () => {
      expect(loadConfig({}).mastodon).toBeNull();
    });

    it('reads the address, the token and the defaults: a 5 s timeout, an idempotent server', () => {
      const mastodon = loadConfig(MASTODON).mastodon!;
      expect(mastodon).toMatchObject({ baseUrl: 'https://mastodon.example', timeoutSeconds: 5, idempotent: true });
      expect(mastodon.accessToken.reveal()).toBe(TOKEN);
    });

    it.each([
      ['https://mastodon.example/', 'https://mastodon.example'],
      ['https://Mastodon.Example:8443', 'https://mastodon.example:8443'],
      ['http://localhost:3000', 'http://localhost:3000'],
      ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
      ['http://[::1]:3000', 'http://[::1]:3000'],
    ])('accepts %s as %s', (url, baseUrl) => {
      expect(loadConfig({ ...MASTODON, AOL_MASTODON_BASE_URL: url }).mastodon!.baseUrl).toBe(baseUrl);
    });

    it.each([
      ['mastodon.example', /must be an absolute URL/],
      ['http://mastodon.example', /must use https:\/\/ \(http:\/\/ only for localhost/],
      ['ftp://mastodon.example', /must use https:\/\//],
      ['https://mastodon.example/api/v1', /no path, query or fragment/],
      ['https://mastodon.example//', /no path, query or fragment/],
      ['https://mastodon.example?', /no path, query or fragment/],
    ])('refuses AOL_MASTODON_BASE_URL=%s, naming it and echoing the value', (url, reason) => {
      const problems = problemsOf({ ...MASTODON, AOL_MASTODON_BASE_URL: url });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^AOL_MASTODON_BASE_URL /);
      expect(problems[0]).toMatch(reason);
      expect(problems[0]).toContain(`(got "${url}")`);
    });

    it.each(['https://mastodon.example/?access_token=X', 'https://mastodon.example/#X'])(
      'refuses AOL_MASTODON_BASE_URL=%s without echoing its query or fragment',
      (url) => {
        expect(problemsOf({ ...MASTODON, AOL_MASTODON_BASE_URL: url })).toEqual([
          'AOL_MASTODON_BASE_URL must be the server address only: no path, query or fragment ' +
            '(got "https://mastodon.example/ with its user info, query and fragment not shown")',
        ]);
      },
    );

    it.each([
      'https://@mastodon.example',
      'https://:@mastodon.example',
      'https://bot@mastodon.example',
      'https:\\\\bot:pw@mastodon.example',
    ])('refuses AOL_MASTODON_BASE_URL=%s: credentials, even empty ones, are refused at start-up naming the variable', (url) => {
      expect(problemsOf({ ...MASTODON, AOL_MASTODON_BASE_URL: url })).toEqual([
        'AOL_MASTODON_BASE_URL must not contain a user name or password ' +
          '(got "https://mastodon.example/ with its user info, query and fragment not shown")',
      ]);
    });

    it('refuses an address with credentials without echoing them', () => {
      const problems = problemsOf({ ...MASTODON, AOL_MASTODON_BASE_URL: `https://bot:${TOKEN}@mastodon.example/?access_token=${TOKEN}` });
      expect(problems).toEqual([
        'AOL_MASTODON_BASE_URL must not contain a user name or password ' +
          '(got "https://mastodon.example/ with its user info, query and fragment not shown")',
      ]);
    });

    it.each([
      ['a space', 'tok en'],
      ['a tab', 'tok\ten'],
      ['a non-ASCII character', 'tokén'],
    ])('refuses a token with %s, without echoing it', (_, token) => {
      const problems = problemsOf({ ...MASTODON, AOL_MASTODON_ACCESS_TOKEN: token });
      expect(problems).toEqual(['AOL_MASTODON_ACCESS_TOKEN must be printable ASCII without spaces (value not shown)']);
    });

    it.each([
      [{ AOL_MASTODON_BASE_URL: 'https://mastodon.example' }, 'AOL_MASTODON_BASE_URL is set but AOL_MASTODON_ACCESS_TOKEN is not'],
      [{ AOL_MASTODON_ACCESS_TOKEN: TOKEN }, 'AOL_MASTODON_ACCESS_TOKEN is set but AOL_MASTODON_BASE_URL is not'],
      [
        { AOL_MASTODON_ACCESS_TOKEN: TOKEN, AOL_MASTODON_BASE_URL: '' },
        'AOL_MASTODON_ACCESS_TOKEN is set but AOL_MASTODON_BASE_URL is not',
      ],
    ])('refuses %j: both or neither', (env, detail) => {
      const problems = problemsOf(env);
      expect(problems).toEqual([`AOL_MASTODON_BASE_URL and AOL_MASTODON_ACCESS_TOKEN must be set together: ${detail}`]);
      expect(problems[0]).not.toContain(TOKEN);
    });

    it('reads AOL_MASTODON_TIMEOUT_SECONDS and AOL_MASTODON_IDEMPOTENT', () => {
      expect(loadConfig({ ...MASTODON, AOL_MASTODON_TIMEOUT_SECONDS: '2', AOL_MASTODON_IDEMPOTENT: '0' }).mastodon).toMatchObject({
        timeoutSeconds: 2,
        idempotent: false,
      });
    });

    it.each([
      ['AOL_MASTODON_TIMEOUT_SECONDS', '0'],
      ['AOL_MASTODON_TIMEOUT_SECONDS', '2.5'],
      ['AOL_MASTODON_TIMEOUT_SECONDS', 'soon'],
      ['AOL_MASTODON_IDEMPOTENT', 'maybe'],
    ])('refuses %s=%s, naming the variable and the value', (name, value) => {
      const problems = problemsOf({ ...MASTODON, [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(name);
      expect(problems[0]).toContain(value);
    });

    it('keeps the request timeout within one attempt’s timeout', () => {
      expect(problemsOf({ ...MASTODON, AOL_MASTODON_TIMEOUT_SECONDS: '9' })).toEqual([
        'AOL_MASTODON_TIMEOUT_SECONDS (9) must not exceed AOL_ACTION_TIMEOUT_SECONDS (8)',
      ]);
      expect(loadConfig({ ...MASTODON, AOL_MASTODON_TIMEOUT_SECONDS: '8' }).mastodon!.timeoutSeconds).toBe(8);
      expect(loadConfig({ ...MASTODON, AOL_ACTION_TIMEOUT_SECONDS: '3' }).mastodon!.timeoutSeconds).toBe(3);
      expect(loadConfig({ AOL_ACTION_TIMEOUT_SECONDS: '3' }).mastodon).toBeNull();
    });

    it('never shows the token when the config is printed, logged or serialised', () => {
      const config = loadConfig(MASTODON);
      expect(JSON.stringify(config)).not.toContain(TOKEN);
      expect(inspect(config, { depth: 10, showHidden: true })).not.toContain(TOKEN);
      expect(`${config.mastodon!.accessToken}`).toBe('[secret]');
    });
  });

  describe('platform pacing', () => {
    it('is off by default', () => {
      expect(loadConfig({}).pacing).toEqual({ rateLimits: {}, quietHours: {}, dailyCaps: {} });
    });

    it('reads AOL_RATE_LIMITS, AOL_QUIET_HOURS and AOL_DAILY_CAPS', () => {
      const config = loadConfig({
        AOL_RATE_LIMITS: 'mastodon=300/3h, x=50/24h',
        AOL_QUIET_HOURS: '22:00-07:00 Europe/Paris,bluesky=01:30-02:00 UTC',
        AOL_DAILY_CAPS: 'mastodon=100',
      });
      expect(config.pacing).toEqual({
        rateLimits: { mastodon: { count: 300, windowSeconds: 10800 }, x: { count: 50, windowSeconds: 86400 } },
        quietHours: {
          '*': { startMinute: 22 * 60, endMinute: 7 * 60, timeZone: 'Europe/Paris' },
          bluesky: { startMinute: 90, endMinute: 120, timeZone: 'UTC' },
        },
        dailyCaps: { mastodon: 100 },
      });
    });

    it('refuses malformed settings, naming the variable', () => {
      const problems = problemsOf({
        AOL_RATE_LIMITS: 'mastodon=300 per 3h',
        AOL_QUIET_HOURS: '22:00-07:00 Mars/Olympus',
        AOL_DAILY_CAPS: 'mastodon=100,mastodon=5',
      });
      expect(problems).toHaveLength(3);
      expect(problems[0]).toMatch(/^AOL_RATE_LIMITS: "mastodon=300 per 3h"/);
      expect(problems[1]).toMatch(/^AOL_DAILY_CAPS: "mastodon=5"/);
      expect(problems[2]).toMatch(/^AOL_QUIET_HOURS: "22:00-07:00 Mars\/Olympus"/);
      expect(problemsOf({ AOL_RATE_LIMITS: 'x=0/1h' })[0]).toMatch(/^AOL_RATE_LIMITS/);
      expect(problemsOf({ AOL_QUIET_HOURS: '25:00-07:00 UTC' })[0]).toMatch(/^AOL_QUIET_HOURS/);
    });
  });

  it.each(['AOL_GRAPHIQL', 'AOL_PLAYGROUND'])('turns %s on outside production, off in production unless set to 1', (name) => {
    const key = name === 'AOL_GRAPHIQL' ? 'graphiql' : 'playground';
    const production = { NODE_ENV: 'production', AOL_API_TOKEN: 'operator-token-0123456789abcdef' };
    expect(loadConfig({})[key]).toBe(true);
    expect(loadConfig({ [name]: '0' })[key]).toBe(false);
    expect(loadConfig(production)[key]).toBe(false);
    expect(loadConfig({ ...production, [name]: '1' })[key]).toBe(true);
    expect(problemsOf({ [name]: 'maybe' })[0]).toMatch(name);
  });

  it('refuses production without AOL_API_TOKEN, and a read token without an operator token or equal to it', () => {
    expect(problemsOf({ NODE_ENV: 'production' })[0]).toMatch(/AOL_API_TOKEN must be set when NODE_ENV=production/);
    expect(problemsOf({ AOL_READ_TOKEN: 'r'.repeat(16) })[0]).toMatch(/AOL_READ_TOKEN needs AOL_API_TOKEN/);
    expect(problemsOf({ AOL_API_TOKEN: 't'.repeat(16), AOL_READ_TOKEN: 't'.repeat(16) })[0]).toMatch(/must differ/);
    expect(problemsOf({ AOL_API_TOKEN: 'short' })[0]).toMatch(/AOL_API_TOKEN must be 16 to 512 printable characters/);
  });

  it('reads AOL_METRICS_TOKEN as a secret of its own: 16 to 512 characters, not the operator token', () => {
    expect(loadConfig({}).metricsToken).toBeNull();
    const config = loadConfig({ AOL_METRICS_TOKEN: 'scraper-token-0123456789' });
    expect(config.metricsToken?.reveal()).toBe('scraper-token-0123456789');
    expect(JSON.stringify(config)).not.toContain('scraper-token-0123456789');
    expect(problemsOf({ AOL_METRICS_TOKEN: 'short' })[0]).toMatch(/AOL_METRICS_TOKEN must be 16 to 512 printable characters/);
    expect(problemsOf({ AOL_API_TOKEN: 't'.repeat(16), AOL_METRICS_TOKEN: 't'.repeat(16) })[0]).toMatch(
      /AOL_METRICS_TOKEN must differ from AOL_API_TOKEN/,
    );
  });

  it('keeps tokens out of anything printed', () => {
    const config = loadConfig({ AOL_API_TOKEN: 'super-secret-token-123' });
    expect(config.apiToken?.reveal()).toBe('super-secret-token-123');
    expect(JSON.stringify(config)).not.toContain('super-secret-token-123');
    expect(String(config.apiToken)).toBe('[secret]');
  });
});
