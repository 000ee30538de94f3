import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { TickCompletedSubscription, TicksQuery } from '../documents';
import type { TickFieldsFragment } from '../../gql/graphql';
import { mergeById, useLiveEvents } from '../live';

export const CHART_WINDOW_MS = 60 * 60 * 1000;
const PAGE_SIZE = 100;
/** Pages read at most: an interval of 5 s fills an hour with 720 ticks; a faster one is cut here. */
const MAX_PAGES = 10;
const KEPT_TICKS = PAGE_SIZE * MAX_PAGES;

/**
 * The ledger's ticks of the last hour (newest first, through the server's `since` filter), read a
 * page at a time once, then kept up to date by tickCompleted. `complete` is false when the hour held more
 * ticks than were read.
 */
export function useRecentTicks() {
  const client = useClient();
  const [ticks, setTicks] = useState<TickFieldsFragment[]>([]);
  const [complete, setComplete] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const since = new Date(Date.now() - CHART_WINDOW_MS).toISOString();
      const read: TickFieldsFragment[] = [];
      let after: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await client
          .query(TicksQuery, { first: PAGE_SIZE, after, filter: { since } }, { requestPolicy: 'network-only' })
          .toPromise();
        if (cancelled) return;
        if (result.error || !result.data) {
          setError(result.error?.message ?? 'No answer');
          return;
        }
        read.push(...result.data.ticks.edges.map((edge) => edge.node));
        after = result.data.ticks.pageInfo.hasNextPage ? (result.data.ticks.pageInfo.endCursor ?? null) : null;
        if (after === null) break;
      }
      setComplete(after === null);
      setTicks((live) => keep(mergeById(live, read)));
    })();
    return () => {
      cancelled = true;
    };
  }, [client]);

  useLiveEvents(TickCompletedSubscription, {}, (events) =>
    setTicks((current) => keep(mergeById(events.map((event) => event.tickCompleted).reverse(), current))),
  );
  return { ticks, complete, error };
}

function keep(ticks: TickFieldsFragment[]): TickFieldsFragment[] {
  return ticks.slice(0, KEPT_TICKS);
}
