/** A Host header that may go into a header value unchanged: a name or an address, and a port. */
const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The policy of every page the service sends: scripts, styles, images and fonts only from the
 * service itself (no inline script, no eval), requests only to it, over HTTP and WebSocket
 * ('self' covers ws: and wss: in current browsers, the explicit sources older ones), no
 * framing. GraphiQL's stylesheet carries its fonts and icons as data: URIs, and its editor
 * (Monaco) adds <style> elements at run time, so its page also allows those two.
 */
export function contentSecurityPolicy(host: string | undefined, page: 'console' | 'ide'): string {
  const sockets = host && HOST_PATTERN.test(host) ? ` ws://${host} wss://${host}` : '';
  const ide = page === 'ide';
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self'${ide ? " 'unsafe-inline'" : ''}`,
    `img-src 'self'${ide ? ' data:' : ''}`,
    `font-src 'self'${ide ? ' data:' : ''}`,
    `connect-src 'self'${sockets}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
