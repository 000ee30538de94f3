import { formatDuration, formatTime } from '../format';
import type { TickFieldsFragment } from '../../gql/graphql';
import { StatusBadge } from './StatusBadge';
import { Table, type Column } from './Table';

const COLUMNS: Column[] = [
  { label: 'Tick' },
  { label: 'Started' },
  { label: 'Outcome' },
  ...['Attempted', 'Succeeded', 'Failed', 'Retried', 'Dead-lettered', 'Duration'].map((label) => ({ label, numeric: true })),
  { label: 'Owner (epoch)' },
  { label: 'Note' },
];

/** Ledger rows: one tick each. */
export function TickTable({
  caption,
  ticks,
  emptyText = 'No ticks yet.',
}: {
  caption: string;
  ticks: TickFieldsFragment[];
  emptyText?: string;
}) {
  return (
    <Table caption={caption} columns={COLUMNS} rowCount={ticks.length} emptyText={emptyText}>
      {ticks.map((tick) => (
        <tr key={tick.id}>
          <th scope="row">{tick.id}</th>
          <td>{formatTime(tick.startedAt)}</td>
          <td>
            <StatusBadge status={tick.outcome} />
          </td>
          <td className="number">{tick.attempted}</td>
          <td className="number">{tick.succeeded}</td>
          <td className="number">{tick.failed}</td>
          <td className="number">{tick.retried}</td>
          <td className="number">{tick.deadLettered}</td>
          <td className="number">{formatDuration(tick.durationMs)}</td>
          <td className="owner">
            {tick.owner} ({tick.epoch})
          </td>
          <td>{tick.note}</td>
        </tr>
      ))}
    </Table>
  );
}
