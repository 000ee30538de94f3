/** Hosts where plain http:// is acceptable: the traffic never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Whether a URL carries a user name or password. The URL parser drops an empty one
 * ("https://@host", "https://:@host"): any "@" before the host in the text counts all the same.
 */
export function hasCredentials(text: string, url: URL): boolean {
  return url.username !== '' || url.password !== '' || /^\s*[a-z][a-z\d+.-]*:[\\/]*[^\\/?#]*@/i.test(text);
}
