import type { ReactNode } from 'react';

export interface Column {
  label: ReactNode;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  className?: string;
}

/** A data table: caption, header cells, and a row saying so when there are no rows. */
export function Table({
  caption,
  columns,
  rowCount,
  emptyText,
  children,
}: {
  caption: string;
  columns: Column[];
  rowCount: number;
  emptyText: string;
  children: ReactNode;
}) {
  return (
    <div className="table-scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th key={index} scope="col" className={column.numeric ? 'number' : column.className}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rowCount === 0 && (
            <tr>
              <td colSpan={columns.length} className="empty">
                {emptyText}
              </td>
            </tr>
          )}
          {children}
        </tbody>
      </table>
    </div>
  );
}
