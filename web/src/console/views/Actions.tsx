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
const TYPES = { POST_SOCIAL: true, WEBHOOK: true } satisfies Record<ActionType, true>;

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

/** A text filter, applied when the form is submitted (Enter or the Filter button), not on every key. */
function TextFilter({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  return (
    <label>
      {label}
      <input type="search" value={value} spellCheck={false} onChange={(event) => onChange(event.target.value)} />
    </label>
  );
}

/** All actions, newest first, filtered by status, type, idempotency key and error code, a page at a time, live. */
export function Actions() {
  const [status, setStatus] = useState<ActionStatus | ''>('');
  const [type, setType] = useState<ActionType | ''>('');
  const [typed, setTyped] = useState({ idempotencyKey: '', errorCode: '' });
  const [applied, setApplied] = useState(typed);
  const filter: ActionFilterInput = {
    ...(status ? { status } : {}),
    ...(type ? { type } : {}),
    ...(applied.idempotencyKey ? { idempotencyKey: applied.idempotencyKey } : {}),
    ...(applied.errorCode ? { errorCode: applied.errorCode } : {}),
  };
  const actions = usePagedActions(filter);

  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied({ idempotencyKey: typed.idempotencyKey.trim(), errorCode: typed.errorCode.trim() });
        }}
      >
        <Choice label="Status" value={status} values={STATUSES} onChange={setStatus} />
        <Choice label="Type" value={type} values={TYPES} onChange={setType} />
        <TextFilter
          label="Idempotency key"
          value={typed.idempotencyKey}
          onChange={(idempotencyKey) => setTyped({ ...typed, idempotencyKey })}
        />
        <TextFilter label="Error code" value={typed.errorCode} onChange={(errorCode) => setTyped({ ...typed, errorCode })} />
        <button type="submit">Filter</button>
      </form>
      <p className="muted" role="status">
        {actions.totalCount === undefined ? '' : actions.totalCount === 1 ? '1 action matches' : `${actions.totalCount} actions match`}
      </p>
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
