import { parseWebhooks, webhookUrlProblem } from './webhook-subscriptions';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('AOL_WEBHOOKS', () => {
  it('reads subscriptions with their secrets from the variables they name, never showing the secret', () => {
    const parsed = parseWebhooks(
      JSON.stringify([
        { name: 'ops', url: 'https://hooks.example.com/aol', events: ['action.dead_lettered'], secretEnv: 'OPS_SECRET' },
        { name: 'chat', url: 'https://hooks.slack.com/services/T/B/X', events: ['control.changed'], format: 'slack' },
      ]),
      { OPS_SECRET: SECRET },
      false,
    );
    expect(parsed).toMatchObject([
      { id: 'env:ops', format: 'standard', events: ['action.dead_lettered'] },
      { id: 'env:chat', format: 'slack', secret: null },
    ]);
    expect(JSON.stringify(parsed)).not.toContain(SECRET);
  });

  it('names every problem, and AOL_WEBHOOKS, never the secret', () => {
    const problems = parseWebhooks(
      JSON.stringify([
        { name: 'a', url: 'http://example.com/x', events: ['action.succeeded'], secretEnv: 'MISSING' },
        { name: 'a', url: 'https://example.com/x', events: ['nope'], secretEnv: 'WEAK' },
        { name: 'b', url: 'https://example.com/x', events: ['leader.changed'] },
        { name: 'c', url: 'https://example.com/x', events: ['leader.changed'], colour: 'red', format: 'xml' },
      ]),
      { WEAK: 'hunter2' },
      false,
    ) as string[];
    expect(problems.every((problem) => problem.startsWith('AOL_WEBHOOKS'))).toBe(true);
    expect(problems.join('\n')).toMatch(/\[0\]\.url must use https/);
    expect(problems.join('\n')).toMatch(/\[0\]\.secretEnv names a variable that is not set/);
    expect(problems.join('\n')).toMatch(/\[1\]\.name a is used twice/);
    expect(problems.join('\n')).toMatch(/\[1\]\.events has unknown events \["nope"\]/);
    expect(problems.join('\n')).toMatch(/\[1\]: the variable secretEnv names must be whsec_/);
    expect(problems.join('\n')).toMatch(/\[2\]\.secretEnv must name the variable/);
    expect(problems.join('\n')).toMatch(/\[3\] has unknown fields colour/);
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(parseWebhooks('{"name":1}', {}, false)).toEqual(['AOL_WEBHOOKS must be a JSON array of subscriptions']);
    expect(parseWebhooks('not json', {}, false)).toEqual([expect.stringMatching(/^AOL_WEBHOOKS must be a JSON array like/)]);
  });

  it('allows http only to loopback unless AOL_WEBHOOK_ALLOW_HTTP, and never credentials', () => {
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', false)).toBeNull();
    expect(webhookUrlProblem('http://[::1]/hook', false)).toBeNull();
    expect(webhookUrlProblem('http://example.com/hook', false)).toMatch(/https/);
    expect(webhookUrlProblem('http://example.com/hook', true)).toBeNull();
    expect(webhookUrlProblem('https://u:p@example.com/hook', false)).toMatch(/user name or password/);
    expect(webhookUrlProblem('https://@example.com/hook', false)).toMatch(/user name or password/);
    expect(webhookUrlProblem('file:///etc/passwd', true)).toMatch(/https/);
  });
});
