import { useEffect, useState } from 'react';

export type Route = { view: 'overview' } | { view: 'actions' } | { view: 'action'; id: string } | { view: 'attention' } | { view: 'audit' };

/** Hash routes (#/actions/12), so every view is a plain link and the service serves one page. */
export function parseRoute(hash: string): Route {
  const [, first, second] = hash.replace(/^#/, '').split('/');
  if (first === 'actions' && second) return { view: 'action', id: decodeURIComponent(second) };
  if (first === 'actions') return { view: 'actions' };
  if (first === 'attention') return { view: 'attention' };
  if (first === 'audit') return { view: 'audit' };
  return { view: 'overview' };
}

export function actionHref(id: string): string {
  return `#/actions/${encodeURIComponent(id)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
