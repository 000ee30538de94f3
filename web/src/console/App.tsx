import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Provider, useQuery } from 'urql';
import { createApiClients, describeError, isUnauthenticated, type ApiClients, type ConnectionState } from './api';
import { ViewerQuery } from './documents';
import { OperatorContext } from './operator';
import { useRoute, type Route } from './routes';
import { loadSession, saveSession, type Session } from './session';
import { ActionDetail } from './views/ActionDetail';
import { Actions } from './views/Actions';
import { Attention } from './views/Attention';
import { Audit } from './views/Audit';
import { Overview } from './views/Overview';

const NAV: Array<{ href: string; label: string; views: Route['view'][] }> = [
  { href: '#/', label: 'Overview', views: ['overview'] },
  { href: '#/actions', label: 'Actions', views: ['actions', 'action'] },
  { href: '#/attention', label: 'Dead letters & review', views: ['attention'] },
  { href: '#/audit', label: 'Audit', views: ['audit'] },
];

function SignIn({ session, onChange }: { session: Session; onChange: (session: Session) => void }) {
  const [token, setToken] = useState(session.token);
  const [actor, setActor] = useState(session.actor);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange({ token: token.trim(), actor: actor.trim() });
  };
  return (
    <form className="sign-in" onSubmit={submit} aria-label="Sign in">
      <label>
        Token
        <input
          type="password"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          autoComplete="off"
          placeholder="AOL_API_TOKEN or AOL_READ_TOKEN"
        />
      </label>
      <label>
        Actor
        <input
          value={actor}
          onChange={(event) => setActor(event.target.value)}
          placeholder="your name (optional)"
          pattern="[A-Za-z0-9._@:\-]{1,64}"
          maxLength={64}
        />
      </label>
      <button type="submit">Sign in</button>
      {session.token && (
        <button
          type="button"
          onClick={() => {
            setToken('');
            onChange({ token: '', actor });
          }}
        >
          Sign out
        </button>
      )}
    </form>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <Overview />;
    case 'actions':
      return <Actions />;
    case 'action':
      return <ActionDetail key={route.id} id={route.id} />;
    case 'attention':
      return <Attention />;
    case 'audit':
      return <Audit />;
  }
}

/** Who the API says we are decides what is shown and which controls work. */
function Signed({ connection }: { connection: ConnectionState }) {
  const route = useRoute();
  const [viewer] = useQuery({ query: ViewerQuery });
  const me = viewer.data?.viewer;

  let notice: ReactNode = null;
  if (isUnauthenticated(viewer.error)) {
    notice = (
      <p className="banner banner-error" role="alert">
        The API refused the token (401 Unauthorized). Sign in with <code>AOL_API_TOKEN</code> to operate, or <code>AOL_READ_TOKEN</code> to
        watch.
      </p>
    );
  } else if (viewer.error) {
    notice = (
      <p className="banner banner-error" role="alert">
        {describeError(viewer.error)}
      </p>
    );
  } else if (connection === 'Refused') {
    notice = (
      <p className="banner banner-error" role="alert">
        The live connection was refused (4403): the token is missing or not valid.
      </p>
    );
  }
  return (
    <>
      {me && !me.authenticationRequired && (
        <p className="banner banner-warning">
          This API is open: no <code>AOL_API_TOKEN</code> is configured, so anyone who can reach this port may pause, kill and enqueue.
        </p>
      )}
      {me?.role === 'VIEWER' && <p className="banner">Read only: this token may watch but not change anything.</p>}
      {notice}
      <nav className="tabs" aria-label="Views">
        {NAV.map((item) => (
          <a key={item.href} href={item.href} aria-current={item.views.includes(route.view) ? 'page' : undefined}>
            {item.label}
          </a>
        ))}
        <a href="/graphql" className="ide-link">
          GraphiQL
        </a>
        <a href="/playground" className="ide-link">
          Playground
        </a>
      </nav>
      <main>
        {me && (
          <OperatorContext.Provider value={me.role === 'OPERATOR'}>
            <View route={route} />
          </OperatorContext.Provider>
        )}
      </main>
      {me && (
        <footer className="muted">
          Signed in as <strong className="owner">{me.actor}</strong> ({me.role})
        </footer>
      )}
    </>
  );
}

export function App() {
  const [session, setSession] = useState(loadSession);
  const [connection, setConnection] = useState<ConnectionState>('Connecting…');
  const [clients, setClients] = useState<ApiClients | null>(null);

  // New credentials, new clients: the socket's connection parameters are fixed when it opens.
  // The socket is a resource outside React, opened and closed with the session here.
  useEffect(() => {
    const created = createApiClients(session, setConnection);
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the clients exist only once the effect opened them
    setClients(created);
    return () => void created.socket.dispose();
  }, [session]);

  return (
    <>
      <header className="top">
        <h1>
          AOL <span className="muted">console</span>
        </h1>
        <p role="status" aria-live="polite" className={`connection connection-${connection === 'Live' ? 'live' : 'down'}`}>
          {connection}
        </p>
        <SignIn
          session={session}
          onChange={(next) => {
            saveSession(next);
            setSession(next);
          }}
        />
      </header>
      {clients && (
        <Provider value={clients.client}>
          <Signed connection={connection} />
        </Provider>
      )}
    </>
  );
}
