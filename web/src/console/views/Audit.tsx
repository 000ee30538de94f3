import { useState } from 'react';
import { useClient, useQuery } from 'urql';
import { Table, type Column } from '../components/Table';
import { TickTable } from '../components/TickTable';
import { describeError } from '../api';
import {
  ActionUpdatedSubscription,
  ControlEventsQuery,
  FlagsChangedSubscription,
  TickCompletedSubscription,
  TicksQuery,
} from '../documents';
import { formatTime } from '../format';
import type { TickFieldsFragment } from '../../gql/graphql';
import { mergeById, useLiveEvents, useThrottled } from '../live';
import { actionHref } from '../routes';

const EVENTS_PAGE = 50;
const TICKS_PAGE = 100;
/** Ticks kept from the subscription: with a 10 ms interval, the last 10 seconds. */
const LIVE_TICKS = 1000;

const EVENT_COLUMNS: Column[] = ['When', 'Who', 'What', 'Why', 'Action', 'Details'].map((label) => ({ label }));

interface PageInfo {
  endCursor?: string | null;
  hasNextPage: boolean;
}

/**
 * The pages after the first, read when the operator asks for them (`head` is the first page's
 * pageInfo): a ledger is read from its newest end. A new `listing` (another filter) starts afresh.
 */
function useOlderPages<T>(
  listing: string,
  head: PageInfo | undefined,
  fetchPage: (after: string) => Promise<{ items: T[]; pageInfo: PageInfo }>,
) {
  const empty = { listing, items: [] as T[], pageInfo: null as PageInfo | null };
  const [kept, setOlder] = useState(empty);
  const older = kept.listing === listing ? kept : empty;
  const [error, setError] = useState('');
  const next = older.pageInfo ?? head;
  return {
    items: older.items,
    error,
    hasOlder: !!next?.hasNextPage && !!next.endCursor,
    loadOlder: async () => {
      if (!next?.endCursor) return;
      try {
        const page = await fetchPage(next.endCursor);
        setOlder((current) => ({
          listing,
          items: [...(current.listing === listing ? current.items : []), ...page.items],
          pageInfo: page.pageInfo,
        }));
        setError('');
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    },
  };
}

/** An idle tick, as the server's hideIdle filter has it: one that attempted nothing. */
function isIdle(tick: TickFieldsFragment): boolean {
  return tick.attempted === 0;
}

/** Who changed what and why, and the tick ledger, both live. */
export function Audit() {
  const client = useClient();
  const [showIdle, setShowIdle] = useState(false);

  const [eventsHead, reexecuteEvents] = useQuery({ query: ControlEventsQuery, variables: { first: EVENTS_PAGE, after: null } });
  const olderEvents = useOlderPages('events', eventsHead.data?.controlEvents.pageInfo, async (after) => {
    const result = await client.query(ControlEventsQuery, { first: EVENTS_PAGE, after }).toPromise();
    if (!result.data) throw new Error(describeError(result.error) || 'No answer');
    return { items: result.data.controlEvents.edges.map((edge) => edge.node), pageInfo: result.data.controlEvents.pageInfo };
  });
  const events = mergeById(eventsHead.data?.controlEvents.edges.map((edge) => edge.node) ?? [], olderEvents.items);
  // Every switchboard change is a control event; so is each retry (back to PENDING) and cancel.
  const refreshEvents = useThrottled(() => reexecuteEvents({ requestPolicy: 'network-only' }), 500);
  useLiveEvents(FlagsChangedSubscription, {}, refreshEvents);
  useLiveEvents(ActionUpdatedSubscription, { status: 'PENDING' }, refreshEvents);
  useLiveEvents(ActionUpdatedSubscription, { status: 'CANCELLED' }, refreshEvents);

  // Idle ticks are most of the ledger: the server leaves them out (hideIdle) unless asked for.
  const ticksFilter = { hideIdle: !showIdle };
  const [ticksHead] = useQuery({ query: TicksQuery, variables: { first: TICKS_PAGE, after: null, filter: ticksFilter } });
  const [liveTicks, setLiveTicks] = useState<TickFieldsFragment[]>([]);
  useLiveEvents(TickCompletedSubscription, {}, (completed) =>
    setLiveTicks((current) => mergeById(completed.map((event) => event.tickCompleted).reverse(), current).slice(0, LIVE_TICKS)),
  );
  const olderTicks = useOlderPages(JSON.stringify(ticksFilter), ticksHead.data?.ticks.pageInfo, async (after) => {
    const result = await client.query(TicksQuery, { first: TICKS_PAGE, after, filter: ticksFilter }).toPromise();
    if (!result.data) throw new Error(describeError(result.error) || 'No answer');
    return { items: result.data.ticks.edges.map((edge) => edge.node), pageInfo: result.data.ticks.pageInfo };
  });
  const ticks = mergeById(liveTicks, mergeById(ticksHead.data?.ticks.edges.map((edge) => edge.node) ?? [], olderTicks.items));
  // The live ones come unfiltered from tickCompleted; the pages were filtered by the server.
  const shownTicks = showIdle ? ticks : ticks.filter((tick) => !isIdle(tick));
  const liveIdle = liveTicks.filter(isIdle).length;
  const totalCount = ticksHead.data?.ticks.totalCount;
  const eventsError = eventsHead.error ? describeError(eventsHead.error) : olderEvents.error;
  const ticksError = ticksHead.error ? describeError(ticksHead.error) : olderTicks.error;
  return (
    <div className="audit">
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Control events</h2>
        {eventsError && <p className="error">{eventsError}</p>}
        <Table
          caption="Operator interventions, newest first"
          columns={EVENT_COLUMNS}
          rowCount={events.length}
          emptyText="No interventions yet."
        >
          {events.map((event) => (
            <tr key={event.id}>
              <td>{formatTime(event.createdAt)}</td>
              <td className="owner">{event.actor}</td>
              <th scope="row">{event.kind}</th>
              <td>{event.reason}</td>
              <td>{event.actionId && <a href={actionHref(event.actionId)}>{event.actionId}</a>}</td>
              <td>
                <code>{event.details === null ? '' : JSON.stringify(event.details)}</code>
              </td>
            </tr>
          ))}
        </Table>
        <button type="button" onClick={() => void olderEvents.loadOlder()} disabled={!olderEvents.hasOlder}>
          Load older events
        </button>
      </section>

      <section aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">Tick ledger</h2>
        <label className="inline">
          <input type="checkbox" checked={showIdle} onChange={(event) => setShowIdle(event.target.checked)} /> Show idle ticks
        </label>
        {totalCount !== undefined && (
          <span className="muted" role="status">
            {' '}
            ({showIdle ? `${totalCount} ticks in the ledger` : `${totalCount} that attempted something; idle ticks hidden`})
          </span>
        )}
        {ticksError && <p className="error">{ticksError}</p>}
        <TickTable
          caption="The ledger, newest first"
          ticks={shownTicks}
          emptyText={!showIdle && liveIdle ? 'Only idle ticks so far.' : 'No ticks yet.'}
        />
        <button type="button" onClick={() => void olderTicks.loadOlder()} disabled={!olderTicks.hasOlder}>
          Load older ticks
        </button>
      </section>
    </div>
  );
}
