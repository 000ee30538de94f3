import { useCallback, useEffect, useState } from 'react';
import { useClient, type CombinedError } from 'urql';
import { ActionUpdatedSubscription, FlagsChangedSubscription, StatusQuery, TickCompletedSubscription } from '../documents';
import type { FlagsFieldsFragment, StatusQuery as StatusData } from '../../gql/graphql';
import { useLiveEvents, useThrottled } from '../live';

/** At most one status query a second, however fast ticks and enqueues come. */
const REFRESH_INTERVAL_MS = 1000;

interface Snapshot {
  status: StatusData['autonomyStatus'];
  /** When the answer arrived: the lease's seconds left count down from here. */
  receivedAt: number;
}

/** The later of two versions of the switchboard. */
function newer(a: FlagsFieldsFragment, b: FlagsFieldsFragment | null): FlagsFieldsFragment {
  return b && Date.parse(b.updatedAt) >= Date.parse(a.updatedAt) ? b : a;
}

/**
 * The autonomy status, re-read when something it summarises changes: a tick completed (lease,
 * counts, oldest due), the switchboard changed, an action was enqueued, retried or cancelled.
 * The switchboard itself comes straight from its subscription.
 */
export function useStatus() {
  const client = useClient();
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [error, setError] = useState<CombinedError | undefined>();
  const [changedFlags, setChangedFlags] = useState<FlagsFieldsFragment | null>(null);

  const load = useCallback(
    () =>
      client
        .query(StatusQuery, {}, { requestPolicy: 'network-only' })
        .toPromise()
        .then((result) => {
          setError(result.error);
          if (result.data) setSnapshot({ status: result.data.autonomyStatus, receivedAt: Date.now() });
        }),
    [client],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const refresh = useThrottled(() => void load(), REFRESH_INTERVAL_MS);

  useLiveEvents(TickCompletedSubscription, {}, refresh);
  useLiveEvents(ActionUpdatedSubscription, { status: 'PENDING' }, refresh);
  useLiveEvents(ActionUpdatedSubscription, { status: 'CANCELLED' }, refresh);
  useLiveEvents(FlagsChangedSubscription, {}, (events) => {
    setChangedFlags(events[events.length - 1].controlFlagsChanged);
    refresh();
  });

  const flags = snapshot ? newer(snapshot.status.flags, changedFlags) : null;
  return { status: snapshot?.status, receivedAt: snapshot?.receivedAt ?? 0, flags, error, setFlags: setChangedFlags };
}
