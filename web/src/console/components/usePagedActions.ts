import { useState } from 'react';
import { useQuery } from 'urql';
import { ActionsQuery, ActionUpdatedSubscription } from '../documents';
import type { ActionFieldsFragment, ActionFilterInput } from '../../gql/graphql';
import { useLiveEvents } from '../live';

const ACTIONS_PAGE_SIZE = 25;

function matches(filter: ActionFilterInput, action: ActionFieldsFragment): boolean {
  return (
    (!filter.status || filter.status === action.status) &&
    (!filter.type || filter.type === action.type) &&
    (!filter.idempotencyKey || filter.idempotencyKey === action.idempotencyKey) &&
    (!filter.errorCode || filter.errorCode === action.lastErrorCode)
  );
}

/** The later of two versions of an action (updatedAt has millisecond precision; ties go to the event). */
function later(fetched: ActionFieldsFragment, seen: ActionFieldsFragment | undefined): ActionFieldsFragment {
  return seen && Date.parse(seen.updatedAt) >= Date.parse(fetched.updatedAt) ? seen : fetched;
}

interface Live {
  /** The page these changes belong to: a new filter or page starts afresh. */
  pageKey: string;
  /** The newest version seen of each action on the page, and of new actions for its top. */
  seen: ReadonlyMap<string, ActionFieldsFragment>;
}

/**
 * One page of actions (newest first, keyset pages by cursor), kept live: a row changes in
 * place when its action changes, and on the first page a new matching action comes in on top.
 * What it keeps of the events is bounded by the page, however many arrive.
 */
export function usePagedActions(filter: ActionFilterInput) {
  const filterKey = JSON.stringify(filter);
  // The `after` cursor of each page visited: back is a pop, forward a push.
  const [paging, setPaging] = useState({ filterKey, cursors: [null] as Array<string | null> });
  const cursors = paging.filterKey === filterKey ? paging.cursors : [null];
  const after = cursors[cursors.length - 1];
  const pageKey = `${filterKey} ${after}`;

  const [result] = useQuery({ query: ActionsQuery, variables: { first: ACTIONS_PAGE_SIZE, after, filter } });
  const fetched = result.data?.actions.edges.map((edge) => edge.node) ?? [];
  const newestFetched = fetched.length ? Number(fetched[0].id) : 0;
  const onFirstPage = after === null;

  const [live, setLive] = useState<Live>({ pageKey, seen: new Map() });
  const seen = live.pageKey === pageKey ? live.seen : new Map<string, ActionFieldsFragment>();
  const apply = (actions: ActionFieldsFragment[]) =>
    setLive((current) => {
      const next = new Map(current.pageKey === pageKey ? current.seen : []);
      for (const action of actions) {
        const onPage = fetched.some((row) => row.id === action.id);
        const arriving = onFirstPage && Number(action.id) > newestFetched && (next.has(action.id) || matches(filter, action));
        if (onPage || arriving) next.set(action.id, action);
      }
      // Only the newest page-full of arrivals can be shown.
      const arrivals = [...next.keys()].filter((id) => Number(id) > newestFetched).sort((a, b) => Number(b) - Number(a));
      for (const id of arrivals.slice(ACTIONS_PAGE_SIZE)) next.delete(id);
      return { pageKey, seen: next };
    });
  useLiveEvents(ActionUpdatedSubscription, {}, (events) => apply(events.map((event) => event.actionUpdated)));

  const arrived = [...seen.values()].filter((action) => Number(action.id) > newestFetched).sort((a, b) => Number(b.id) - Number(a.id));
  const rows = [...arrived, ...fetched.map((row) => later(row, seen.get(row.id)))].slice(0, ACTIONS_PAGE_SIZE);

  const pageInfo = result.data?.actions.pageInfo;
  return {
    rows,
    apply: (action: ActionFieldsFragment) => apply([action]),
    /** How many actions match the filter (as of the page's query). */
    totalCount: result.data?.actions.totalCount,
    error: result.error,
    fetching: result.fetching,
    page: cursors.length,
    hasNewer: cursors.length > 1,
    hasOlder: !!pageInfo?.hasNextPage,
    newer: () => setPaging({ filterKey, cursors: cursors.slice(0, -1) }),
    older: () => pageInfo?.endCursor && setPaging({ filterKey, cursors: [...cursors, pageInfo.endCursor] }),
  };
}
