import { useState } from 'react';
import { formatTime } from '../format';
import type { ActionFieldsFragment } from '../../gql/graphql';
import { useCanOperate } from '../operator';
import { actionHref } from '../routes';
import { OPERATIONS, OperationButton, unavailable, useActionOperations } from './actionOperations';
import { StatusBadge } from './StatusBadge';
import { Table, type Column } from './Table';

const COLUMNS: Column[] = [
  { label: 'ID' },
  { label: 'Idempotency key' },
  { label: 'Type' },
  { label: 'Status' },
  { label: 'Attempts', numeric: true },
  { label: 'Run after' },
  { label: 'Last error' },
  { label: 'Updated' },
  { label: <span className="visually-hidden">Operations</span> },
];

export interface ActionTableProps {
  caption: string;
  rows: ActionFieldsFragment[];
  emptyText: string;
  /** Called with each action a retry or cancel changed. */
  onChanged: (action: ActionFieldsFragment) => void;
}

/** Actions as a table, each row with Approve, Reject, Retry and Cancel, and the same on a selection. */
export function ActionTable({ caption, rows, emptyText, onChanged }: ActionTableProps) {
  const canOperate = useCanOperate();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const { ask, dialog, outcome } = useActionOperations(onChanged);

  const selection = rows.filter((row) => selected.has(row.id));
  const statuses = selection.map((row) => row.status);
  const allSelected = rows.length > 0 && selection.length === rows.length;
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const clearSelection = () => setSelected(new Set());
  const columns: Column[] = [
    {
      label: (
        <input
          type="checkbox"
          aria-label="Select all"
          checked={allSelected}
          disabled={rows.length === 0}
          onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((row) => row.id)))}
        />
      ),
      className: 'select',
    },
    ...COLUMNS,
  ];

  return (
    <div className="action-table">
      <div className="toolbar" role="group" aria-label={`${caption}: selection`}>
        {OPERATIONS.map((operation) => (
          <OperationButton
            key={operation}
            hint={unavailable(operation, statuses, canOperate)}
            onClick={() => ask(operation, selection, clearSelection)}
          >
            {operation} selected ({selection.length})
          </OperationButton>
        ))}
        <span className="muted" role="status">
          {outcome}
        </span>
      </div>
      <Table caption={caption} columns={columns} rowCount={rows.length} emptyText={emptyText}>
        {rows.map((row) => (
          <tr key={row.id} data-status={row.status}>
            <td className="select">
              <input
                type="checkbox"
                aria-label={`Select action ${row.id}`}
                checked={selected.has(row.id)}
                onChange={() => toggle(row.id)}
              />
            </td>
            <th scope="row">
              <a href={actionHref(row.id)}>{row.id}</a>
            </th>
            <td className="key">{row.idempotencyKey}</td>
            <td>{row.type}</td>
            <td>
              <StatusBadge status={row.status} />
            </td>
            <td className="number">{row.attempts}</td>
            <td>{formatTime(row.runAfter)}</td>
            <td className="error-cell" title={row.lastError ?? undefined}>
              {row.lastErrorCode && <code>{row.lastErrorCode}</code>} {row.lastError}
            </td>
            <td>{formatTime(row.updatedAt)}</td>
            <td className="operations">
              {OPERATIONS.map((operation) => (
                <OperationButton
                  key={operation}
                  hint={unavailable(operation, [row.status], canOperate)}
                  onClick={() => ask(operation, [row])}
                >
                  {operation}
                </OperationButton>
              ))}
            </td>
          </tr>
        ))}
      </Table>
      {dialog}
    </div>
  );
}
