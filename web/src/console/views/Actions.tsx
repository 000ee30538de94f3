import { useState } from 'react';
import { ActionTable } from '../components/ActionTable';
import { Pager } from '../components/Pager';
import { usePagedActions } from '../components/usePagedActions';
import { describeError } from '../api';
import type { ActionFilterInput, ActionStatus, ActionType } from '../../gql/graphql';

/** Every status and type the schema has: a new one fails the type check until it is listed here. */
const STATUSES = {
  PENDING: true,
  RUNNING: true,
  RETRY: true,
  DLQ: true,
  NEEDS_REVIEW: true,
  SUCCESS: true,
  CANCELLED: true,
  AWAITING_APPROVAL: true,
  REJECTED: true,
} satisfies Record<ActionStatus, true>;
const TYPES = { POST_SOCIAL: true } satisfies Record<ActionType, true>;

/** A filter: one of `values`' keys, or any. */
function Choice<T extends string>({
  label,
  value,
  values,
  onChange,
}: {
  label: string;
  value: T | '';
  values: Record<T, true>;
  onChange: (value: T | '') => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(event) => onChange(event.target.value as T | '')}>
        <option value="">any</option>
        {Object.keys(values).map((key) => (
          <option key={key}>{key}</option>
        ))}
      </select>
    </label>
  );
}

/** All actions, newest first, filtered by status and type, a page at a time, live. */
export function Actions() {
  const [status, setStatus] = useState<ActionStatus | ''>('');
  const [type, setType] = useState<ActionType | ''>('');
  const filter: ActionFilterInput = { ...(status ? { status } : {}), ...(type ? { type } : {}) };
  const actions = usePagedActions(filter);

  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <Choice label="Status" value={status} values={STATUSES} onChange={setStatus} />
        <Choice label="Type" value={type} values={TYPES} onChange={setType} />
      </form>
      {actions.error && <p className="error">{describeError(actions.error)}</p>}
      <ActionTable
        caption="Actions, newest first"
        rows={actions.rows}
        emptyText={actions.fetching ? 'Loading…' : 'No actions.'}
        onChanged={actions.apply}
      />
      <Pager label="Actions pages" {...actions} />
    </section>
  );
}
