/** What the operator typed to sign in; kept for this browser tab only (sessionStorage). */
export interface Session {
  token: string;
  actor: string;
}

const STORAGE_KEY = 'aol:session';

export function loadSession(): Session {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Session>;
    return { token: stored.token ?? '', actor: stored.actor ?? '' };
  } catch {
    return { token: '', actor: '' };
  }
}

export function saveSession(session: Session): void {
  if (session.token || session.actor) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** HTTP headers for a session: the token as a bearer token, the actor as X-AOL-Actor. */
export function httpHeaders(session: Session): Record<string, string> {
  return {
    ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
    ...(session.actor ? { 'x-aol-actor': session.actor } : {}),
  };
}

/** The same for graphql-ws, as the connection_init payload. */
export function connectionParams(session: Session): Record<string, string> {
  return {
    ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
    ...(session.actor ? { actor: session.actor } : {}),
  };
}
