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
 * pageInfo): a ledger is read from its newest end.
 */
function useOlderPages<T>(head: PageInfo | undefined, fetchPage: (after: string) => Promise<{ items: T[]; pageInfo: PageInfo }>) {
  const [older, setOlder] = useState<{ items: T[]; pageInfo: PageInfo | null }>({ items: [], pageInfo: null });
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
        setOlder((current) => ({ items: [...current.items, ...page.items], pageInfo: page.pageInfo }));
        setError('');
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    },
  };
}

/** A tick that did nothing worth reading: attempted nothing, no note, no error. */
function isIdle(tick: TickFieldsFragment): boolean {
  return tick.attempted === 0 && !tick.note && tick.outcome !== 'ERROR';
}

/** Who changed what and why, and the tick ledger, both live. */
export function Audit() {
  const client = useClient();
  const [showIdle, setShowIdle] = useState(false);

  const [eventsHead, reexecuteEvents] = useQuery({ query: ControlEventsQuery, variables: { first: EVENTS_PAGE, after: null } });
  const olderEvents = useOlderPages(eventsHead.data?.controlEvents.pageInfo, async (after) => {
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

  const [ticksHead] = useQuery({ query: TicksQuery, variables: { first: TICKS_PAGE, after: null } });
  const [liveTicks, setLiveTicks] = useState<TickFieldsFragment[]>([]);
  useLiveEvents(TickCompletedSubscription, {}, (completed) =>
    setLiveTicks((current) => mergeById(completed.map((event) => event.tickCompleted).reverse(), current).slice(0, LIVE_TICKS)),
  );
  const olderTicks = useOlderPages(ticksHead.data?.ticks.pageInfo, async (after) => {
    const result = await client.query(TicksQuery, { first: TICKS_PAGE, after }).toPromise();
    if (!result.data) throw new Error(describeError(result.error) || 'No answer');
    return { items: result.data.ticks.edges.map((edge) => edge.node), pageInfo: result.data.ticks.pageInfo };
  });
  const ticks = mergeById(liveTicks, mergeById(ticksHead.data?.ticks.edges.map((edge) => edge.node) ?? [], olderTicks.items));

  const shownTicks = showIdle ? ticks : ticks.filter((tick) => !isIdle(tick));
  const hidden = ticks.length - shownTicks.length;
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
        {hidden > 0 && <span className="muted"> ({hidden === 1 ? '1 idle tick' : `${hidden} idle ticks`} hidden)</span>}
        {ticksError && <p className="error">{ticksError}</p>}
        <TickTable caption="The ledger, newest first" ticks={shownTicks} emptyText={hidden ? 'Only idle ticks so far.' : 'No ticks yet.'} />
        <button type="button" onClick={() => void olderTicks.loadOlder()} disabled={!olderTicks.hasOlder}>
          Load older ticks
        </button>
      </section>
    </div>
  );
}
