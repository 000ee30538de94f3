import { contentSecurityPolicy } from './content-security-policy';

function directives(policy: string): Record<string, string> {
  return Object.fromEntries(policy.split('; ').map((directive) => [directive.split(' ')[0], directive.slice(directive.indexOf(' ') + 1)]));
}

describe('contentSecurityPolicy', () => {
  it('allows the service itself only, over HTTP and WebSocket, and no inline script or eval', () => {
    const policy = directives(contentSecurityPolicy('aol.example:3000', 'console'));
    expect(policy).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self'",
      'connect-src': "'self' ws://aol.example:3000 wss://aol.example:3000",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(Object.values(policy).join(' ')).not.toMatch(/unsafe-eval|unsafe-inline|\*/);
  });

  it("lets GraphiQL's editor use inline styles and data: fonts and images, never scripts", () => {
    const policy = directives(contentSecurityPolicy('127.0.0.1:3000', 'ide'));
    expect(policy['style-src']).toBe("'self' 'unsafe-inline'");
    expect(policy['font-src']).toBe("'self' data:");
    expect(policy['script-src']).toBe("'self'");
  });

  it.each(['[::1]:3000', 'localhost', 'aol-1.internal'])('names the sockets of the host %s', (host) => {
    expect(directives(contentSecurityPolicy(host, 'console'))['connect-src']).toBe(`'self' ws://${host} wss://${host}`);
  });

  it.each([undefined, '', 'evil.example; script-src *', 'a b', 'host:3000/path'])(
    'leaves a Host header it cannot trust (%p) out of the policy',
    (host) => {
      expect(directives(contentSecurityPolicy(host, 'console'))['connect-src']).toBe("'self'");
    },
  );
});
