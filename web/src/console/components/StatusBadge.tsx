/** A status (action, tick or attempt outcome) as a coloured label; the text carries the meaning. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase().replace(/_/g, '-')}`}>{status}</span>;
}
