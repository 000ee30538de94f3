import { Controls } from '../components/Controls';
import { StatusBadge } from '../components/StatusBadge';
import { TickChart } from '../components/TickChart';
import { describeError } from '../api';
import { formatCount, formatDuration, formatTime } from '../format';
import type { StatusQuery } from '../../gql/graphql';
import { useNow } from '../live';
import { TickTable } from '../components/TickTable';
import { useRecentTicks } from './useRecentTicks';
import { useStatus } from './useStatus';

const LAST_TICKS = 10;

const COUNTS: Array<[string, keyof StatusQuery['autonomyStatus']['queue']]> = [
  ['Pending', 'pending'],
  ['Running', 'running'],
  ['Retry', 'retry'],
  ['DLQ', 'dlq'],
  ['Needs review', 'needsReview'],
  ['Awaiting approval', 'awaitingApproval'],
  ['Rejected', 'rejected'],
  ['Success', 'success'],
  ['Cancelled', 'cancelled'],
];

/** A switch of the switchboard; `safe` is the position in which it needs no attention. */
function YesNo({ value, label, safe }: { value: boolean; label: string; safe: boolean }) {
  return (
    <div className={`flag ${value === safe ? 'flag-safe' : 'flag-alert'}`}>
      <dt>{label}</dt>
      <dd>{value ? 'yes' : 'no'}</dd>
    </div>
  );
}

/** At a glance: who leads, the switchboard and its controls, the queue, the last hour of ticks. */
export function Overview() {
  const { status, flags, receivedAt, error, setFlags } = useStatus();
  const recent = useRecentTicks();
  const now = useNow();
  if (!status || !flags) return <p className="muted">{error ? describeError(error) : 'Loading…'}</p>;

  const elapsedSeconds = Math.max(0, (now - receivedAt) / 1000);
  const leaseLeft = Math.max(0, status.lease.expiresInSeconds - elapsedSeconds);
  const queue = status.queue;
  return (
    <div className="overview">
      <section className="card" aria-labelledby="leader-heading">
        <h2 id="leader-heading">Leader</h2>
        <dl className="facts">
          <div>
            <dt>Owner</dt>
            <dd className="owner">{status.lease.owner ?? 'nobody'}</dd>
          </div>
          <div>
            <dt>Epoch</dt>
            <dd>{status.lease.epoch}</dd>
          </div>
          <div>
            <dt>Lease left</dt>
            <dd>{status.lease.owner ? `${Math.round(leaseLeft)} s` : '—'}</dd>
          </div>
          <div>
            <dt>This instance</dt>
            <dd>
              {status.instanceId} {status.leader ? '(leader)' : ''}
            </dd>
          </div>
        </dl>
      </section>

      <section className="card" aria-labelledby="flags-heading">
        <h2 id="flags-heading">Switchboard</h2>
        <dl className="flags">
          <YesNo label="Paused" value={flags.paused} safe={false} />
          <YesNo label="Killed" value={flags.killed} safe={false} />
          <YesNo label="Proof mode" value={flags.proofMode} safe={true} />
        </dl>
        <p className="last-change">
          Last change by <strong>{flags.updatedBy ?? 'unknown'}</strong> at {formatTime(flags.updatedAt)}
          {flags.reason && (
            <>
              : <q>{flags.reason}</q>
            </>
          )}
        </p>
        <p>
          Mode <StatusBadge status={status.mode} /> <span className="muted">{status.modeReason}</span>
        </p>
        <Controls flags={flags} onChanged={setFlags} />
      </section>

      <section className="card" aria-labelledby="queue-heading">
        <h2 id="queue-heading">Queue</h2>
        <table className="counts">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col" className="number">
                Actions
              </th>
            </tr>
          </thead>
          <tbody>
            {COUNTS.map(([label, key]) => (
              <tr key={key}>
                <th scope="row">{label}</th>
                <td className="number">{formatCount(queue[key])}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          Oldest due action waiting:{' '}
          <strong>
            {status.oldestDueAgeSeconds === null ? 'none due' : formatDuration((status.oldestDueAgeSeconds + elapsedSeconds) * 1000)}
          </strong>
        </p>
      </section>

      <section className="card wide" aria-labelledby="chart-heading">
        <h2 id="chart-heading">Ticks, last hour</h2>
        {recent.error ? <p className="error">{recent.error}</p> : <TickChart ticks={recent.ticks} now={now} complete={recent.complete} />}
      </section>

      <section className="card wide" aria-labelledby="ticks-heading">
        <h2 id="ticks-heading">Last ticks</h2>
        <TickTable caption="The newest ticks, as they complete" ticks={recent.ticks.slice(0, LAST_TICKS)} />
      </section>
    </div>
  );
}
