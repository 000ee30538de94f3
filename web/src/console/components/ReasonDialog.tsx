import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

const MAX_REASON_LENGTH = 500;

export interface ReasonRequest {
  /** The dialog's heading, e.g. "Pause the orchestrator". */
  title: string;
  /** What will happen, in a sentence. */
  description: string;
  /** The confirm button's text, e.g. "Pause". */
  confirmLabel: string;
  /** A word the operator must type before confirming (KILL). */
  confirmWord?: string;
  /** A required address asked for besides the reason (a post's http(s) address). */
  addressLabel?: string;
  /** Runs the change; a thrown error is shown in the dialog, which stays open. */
  onConfirm: (reason: string, address: string) => Promise<void>;
}

/**
 * Every change asks why: the reason goes into the audit trail with the actor. A modal <dialog>,
 * so the browser handles focus, Escape and the inert page behind it.
 */
export function ReasonDialog({ request, onClose }: { request: ReasonRequest; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const [address, setAddress] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const reasonId = useId();
  const confirmId = useId();
  const addressId = useId();

  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);

  const confirmed = (!request.confirmWord || typed === request.confirmWord) && (!request.addressLabel || address.trim() !== '');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim() || !confirmed) return;
    setBusy(true);
    setError('');
    try {
      await request.onConfirm(reason.trim(), address.trim());
      onClose();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} aria-labelledby={titleId} onClose={onClose} className="reason-dialog">
      <form onSubmit={submit}>
        <h2 id={titleId}>{request.title}</h2>
        <p>{request.description}</p>
        <label htmlFor={reasonId}>Reason</label>
        <textarea
          id={reasonId}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          required
          maxLength={MAX_REASON_LENGTH}
          rows={3}
          autoFocus
        />
        {request.addressLabel && (
          <>
            <label htmlFor={addressId}>{request.addressLabel}</label>
            <input
              id={addressId}
              type="url"
              value={address}
              onChange={(event) => setAddress(event.target.value)}
              required
              placeholder="https://"
            />
          </>
        )}
        {request.confirmWord && (
          <>
            <label htmlFor={confirmId}>Type {request.confirmWord} to confirm</label>
            <input id={confirmId} value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" spellCheck={false} />
          </>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className={request.confirmWord ? 'danger' : 'primary'} disabled={busy || !reason.trim() || !confirmed}>
            {request.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
