import { ActionTable } from '../components/ActionTable';
import { Pager } from '../components/Pager';
import { usePagedActions } from '../components/usePagedActions';
import { describeError } from '../api';
import type { ActionStatus } from '../../gql/graphql';

function Queue({ status, title, explanation }: { status: ActionStatus; title: string; explanation: string }) {
  const actions = usePagedActions({ status });
  const headingId = `queue-${status.toLowerCase()}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <p className="muted">{explanation}</p>
      {actions.totalCount !== undefined && <p role="status">{actions.totalCount === 1 ? '1 action' : `${actions.totalCount} actions`}</p>}
      {actions.error && <p className="error">{describeError(actions.error)}</p>}
      <ActionTable
        caption={title}
        rows={actions.rows}
        emptyText={actions.fetching ? 'Loading…' : 'Nothing here.'}
        onChanged={actions.apply}
      />
      <Pager label={`${title} pages`} {...actions} />
    </section>
  );
}

/** The three queues a person must empty. A row that leaves its queue stays, with its new status, until the page is reloaded. */
export function Attention() {
  return (
    <div className="attention">
      <Queue
        status="AWAITING_APPROVAL"
        title="Awaiting approval"
        explanation="These run only once a person approves them (AOL_APPROVAL): read the payload, then approve or reject. An approval holds for the payload as it is now."
      />
      <Queue
        status="DLQ"
        title="Dead letters"
        explanation="Out of retries, or failed in a way a retry cannot fix. Retry sends an action back with a fresh budget."
      />
      <Queue
        status="NEEDS_REVIEW"
        title="Needs review"
        explanation="A leader died while running these, and running them again might post twice. Open one to look its post up on its network or to mark what you found (posted, or not posted: then it runs again); retry only what you know did not post."
      />
    </div>
  );
}
