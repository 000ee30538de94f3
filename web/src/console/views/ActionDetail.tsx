import type { ReactNode } from 'react';
import { useQuery } from 'urql';
import { OPERATIONS, OperationButton, REVIEW_OPERATIONS, unavailable, useActionOperations } from '../components/actionOperations';
import { StatusBadge } from '../components/StatusBadge';
import { Table, type Column } from '../components/Table';
import { describeError } from '../api';
import { ActionDetailQuery, ActionUpdatedSubscription, ExecutionLoggedSubscription } from '../documents';
import { formatDuration, formatTime } from '../format';
import { useLiveEvents, useThrottled } from '../live';
import { useCanOperate } from '../operator';

const ATTEMPT_COLUMNS: Column[] = [
  { label: 'Attempt' },
  { label: 'Started' },
  { label: 'Mode' },
  { label: 'Outcome' },
  { label: 'Duration', numeric: true },
  { label: 'Error' },
  { label: 'Artifact SHA-256' },
  { label: 'Tick' },
];

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children ?? '—'}</dd>
    </div>
  );
}

/** One action: its facts, its payload, its artifact and every attempt, refreshed as it changes. */
export function ActionDetail({ id }: { id: string }) {
  const [result, reexecute] = useQuery({ query: ActionDetailQuery, variables: { id } });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 250);
  useLiveEvents(ActionUpdatedSubscription, { id }, refresh);
  useLiveEvents(ExecutionLoggedSubscription, { actionId: id }, refresh);
  const canOperate = useCanOperate();
  const { ask, dialog, outcome } = useActionOperations(refresh);

  const action = result.data?.action;
  if (!action) return <p className={result.error ? 'error' : 'muted'}>{result.error ? describeError(result.error) : 'Loading…'}</p>;
  const attempts = action.executionLogs.edges.map((edge) => edge.node);
  return (
    <div className="action-detail">
      <h2>
        Action {action.id} <StatusBadge status={action.status} />
      </h2>
      <div className="toolbar" role="group" aria-label="Operations">
        {[...OPERATIONS, ...REVIEW_OPERATIONS].map((operation) => (
          <OperationButton
            key={operation}
            hint={unavailable(operation, [action.status], canOperate)}
            onClick={() => ask(operation, [action])}
          >
            {operation}
          </OperationButton>
        ))}
        <span className="muted" role="status">
          {outcome}
        </span>
        {dialog}
      </div>
      <section className="card" aria-labelledby="facts-heading">
        <h3 id="facts-heading">Facts</h3>
        <dl className="facts">
          <Fact label="Idempotency key">{action.idempotencyKey}</Fact>
          <Fact label="Type">{action.type}</Fact>
          <Fact label="Attempts">{action.attempts}</Fact>
          <Fact label="Priority">{action.priority}</Fact>
          <Fact label="Run after">{formatTime(action.runAfter)}</Fact>
          <Fact label="Created">{formatTime(action.createdAt)}</Fact>
          <Fact label="Finished">{formatTime(action.finishedAt)}</Fact>
          <Fact label="Claimed by">{action.claimedBy && `${action.claimedBy} (epoch ${action.claimEpoch})`}</Fact>
          <Fact label="Rescues">{action.rescues}</Fact>
          <Fact label="Last error">{action.lastError && `${action.lastErrorCode ?? ''} ${action.lastError}`}</Fact>
        </dl>
      </section>
      <section className="card" aria-labelledby="artifact-heading">
        <h3 id="artifact-heading">Artifact</h3>
        <dl className="facts">
          <Fact label="Artifact">{action.artifactRef && <code>{action.artifactRef}</code>}</Fact>
          <Fact label="SHA-256">{action.artifactSha256 && <code className="hash">{action.artifactSha256}</code>}</Fact>
          <Fact label="Remote post">
            {action.remoteUrl && (
              <a href={action.remoteUrl} rel="noreferrer noopener" target="_blank">
                {action.remoteUrl}
              </a>
            )}
            {action.remoteId && <span className="muted"> (id {action.remoteId})</span>}
          </Fact>
        </dl>
      </section>
      <section className="card" aria-labelledby="payload-heading">
        <h3 id="payload-heading">Payload</h3>
        <pre className="payload">{JSON.stringify(action.payload, null, 2)}</pre>
      </section>
      <section aria-labelledby="attempts-heading">
        <h3 id="attempts-heading">Attempts</h3>
        <Table
          caption={`Every attempt, newest first${action.executionLogs.pageInfo.hasNextPage ? ' (the newest 100)' : ''}`}
          columns={ATTEMPT_COLUMNS}
          rowCount={attempts.length}
          emptyText="Not attempted yet."
        >
          {attempts.map((attempt) => (
            <tr key={attempt.id}>
              <th scope="row">{attempt.attempt}</th>
              <td>{formatTime(attempt.startedAt)}</td>
              <td>{attempt.mode}</td>
              <td>
                <StatusBadge status={attempt.outcome} />
              </td>
              <td className="number">{formatDuration(attempt.durationMs)}</td>
              <td className="error-cell">
                {attempt.errorCode && <code>{attempt.errorCode}</code>} {attempt.error}
              </td>
              <td>{attempt.artifactSha256 && <code className="hash">{attempt.artifactSha256}</code>}</td>
              <td>{attempt.tickId}</td>
            </tr>
          ))}
        </Table>
      </section>
    </div>
  );
}
