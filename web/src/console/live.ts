import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useClient, type AnyVariables, type TypedDocumentNode } from 'urql';

/** The latest value of `value`, for callbacks that must not re-subscribe when it changes. */
function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}

/** Events are handed over in batches at most this often: a busy queue sends thousands a second. */
const EVENT_BATCH_MS = 100;

/**
 * Calls `onEvents` with the events of a subscription that arrived since the last call, at
 * most every 100 ms while mounted: no event is lost, and a burst costs one render.
 */
export function useLiveEvents<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  onEvents: (events: Data[]) => void,
): void {
  const client = useClient();
  const handler = useLatest(onEvents);
  const key = JSON.stringify(variables);
  useEffect(() => {
    let buffered: Data[] = [];
    let timer: number | undefined;
    const flush = () => {
      timer = undefined;
      const events = buffered;
      buffered = [];
      handler.current(events);
    };
    const subscription = client.subscription(document, JSON.parse(key) as Variables).subscribe((result) => {
      if (!result.data) return;
      buffered.push(result.data);
      timer ??= window.setTimeout(flush, EVENT_BATCH_MS);
    });
    return () => {
      subscription.unsubscribe();
      window.clearTimeout(timer);
    };
  }, [client, document, key, handler]);
}

/** Newest first, each item once: `newer` first, then what `older` has that `newer` does not. */
export function mergeById<T extends { id: string }>(newer: readonly T[], older: readonly T[]): T[] {
  const seen = new Set(newer.map((item) => item.id));
  return [...newer, ...older.filter((item) => !seen.has(item.id))];
}

/**
 * `run` at most once per `intervalMs`, the last call of a burst never dropped: a tick every
 * 10 ms refreshes the overview once a second, not a hundred times.
 */
export function useThrottled(run: () => void, intervalMs: number): () => void {
  const latest = useLatest(run);
  const state = useRef<{ last: number; timer: number | undefined }>({ last: 0, timer: undefined });
  useEffect(() => () => window.clearTimeout(state.current.timer), []);
  return useCallback(() => {
    const current = state.current;
    const wait = current.last + intervalMs - Date.now();
    if (wait <= 0) {
      current.last = Date.now();
      latest.current();
    } else if (current.timer === undefined) {
      current.timer = window.setTimeout(() => {
        current.timer = undefined;
        current.last = Date.now();
        latest.current();
      }, wait);
    }
  }, [intervalMs, latest]);
}

/** The current time, re-rendering every `intervalMs`: for countdowns and ages. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
