/** Keyset paging: newer and older pages by cursor (no page numbers to jump to). */
export function Pager({
  label,
  page,
  hasNewer,
  hasOlder,
  newer,
  older,
}: {
  label: string;
  page: number;
  hasNewer: boolean;
  hasOlder: boolean;
  newer: () => void;
  older: () => void;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={newer} disabled={!hasNewer}>
        Newer
      </button>
      <span className="muted">Page {page}</span>
      <button type="button" onClick={older} disabled={!hasOlder}>
        Older
      </button>
    </nav>
  );
}
