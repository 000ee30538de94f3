import { useState, type ReactNode } from 'react';
import { useClient } from 'urql';
import { runMutation } from '../api';
import {
  ApproveActionMutation,
  CancelActionMutation,
  ReconcileActionMutation,
  RejectActionMutation,
  ResolveActionMutation,
  RetryActionMutation,
} from '../documents';
import type { ActionFieldsFragment, ActionStatus } from '../../gql/graphql';
import { READ_ONLY_HINT } from '../operator';
import { ReasonDialog, type ReasonRequest } from './ReasonDialog';

export type Operation = 'Approve' | 'Reject' | 'Retry' | 'Cancel' | 'Look up' | 'Mark posted' | 'Mark not posted';

/** The operations of a table's rows and selections, in the order their buttons stand. */
export const OPERATIONS: Operation[] = ['Approve', 'Reject', 'Retry', 'Cancel'];

/**
 * Settling a NEEDS_REVIEW action by what is found on its network, one action at a time (an
 * action's page): look its post up (reconcileAction), or say what a person found (resolveAction).
 */
export const REVIEW_OPERATIONS: Operation[] = ['Look up', 'Mark posted', 'Mark not posted'];

/** Which statuses each operation accepts, as the API enforces them. */
const ACCEPTS: Record<Operation, ActionStatus[]> = {
  Approve: ['AWAITING_APPROVAL'],
  Reject: ['AWAITING_APPROVAL'],
  Retry: ['DLQ', 'NEEDS_REVIEW'],
  Cancel: ['PENDING', 'RETRY', 'AWAITING_APPROVAL', 'NEEDS_REVIEW', 'DLQ'],
  'Look up': ['NEEDS_REVIEW'],
  'Mark posted': ['NEEDS_REVIEW'],
  'Mark not posted': ['NEEDS_REVIEW'],
};

const REFUSAL: Record<Operation, string> = {
  Approve: 'Only AWAITING_APPROVAL actions can be approved',
  Reject: 'Only AWAITING_APPROVAL actions can be rejected',
  Retry: 'Only DLQ and NEEDS_REVIEW actions can be retried',
  Cancel: 'Only PENDING, RETRY, AWAITING_APPROVAL, NEEDS_REVIEW and DLQ actions can be cancelled',
  'Look up': 'Only NEEDS_REVIEW actions are looked up',
  'Mark posted': 'Only NEEDS_REVIEW actions are settled by hand',
  'Mark not posted': 'Only NEEDS_REVIEW actions are settled by hand',
};

const DESCRIPTION: Record<Operation, string> = {
  Approve: 'It runs at the next tick, as its payload is now: a payload changed later is not run.',
  Reject: 'It ends as REJECTED and never runs.',
  Retry: 'It goes back to the queue with a fresh retry budget and runs at the next tick.',
  Cancel: 'It is cancelled and never runs.',
  'Look up':
    "Its network is searched for its post (Mastodon: the account's 40 most recent statuses). Found, it ends SUCCESS with the post's address; not found, nothing changes.",
  'Mark posted': 'You found its post: it ends SUCCESS with that address, and is not run again.',
  'Mark not posted': 'You checked and it was not posted: it goes back to the queue (to AWAITING_APPROVAL when an approval is needed).',
};

const DONE: Record<Operation, string> = {
  Approve: 'Approved',
  Reject: 'Rejected',
  Retry: 'Retried',
  Cancel: 'Cancelled',
  'Look up': 'Looked up',
  'Mark posted': 'Marked posted',
  'Mark not posted': 'Marked not posted',
};

type Client = ReturnType<typeof useClient>;

/** One operation on one action, as the API answers it, and what it found when it searched. */
async function operate(
  client: Client,
  operation: Operation,
  id: string,
  reason: string,
  address: string,
): Promise<ActionFieldsFragment | { action: ActionFieldsFragment; found: boolean; checked: string }> {
  switch (operation) {
    case 'Approve':
      return (await runMutation(client, ApproveActionMutation, { id, reason })).approveAction;
    case 'Reject':
      return (await runMutation(client, RejectActionMutation, { id, reason })).rejectAction;
    case 'Retry':
      return (await runMutation(client, RetryActionMutation, { id, reason })).retryAction;
    case 'Cancel':
      return (await runMutation(client, CancelActionMutation, { id, reason })).cancelAction;
    case 'Look up':
      return (await runMutation(client, ReconcileActionMutation, { id, reason })).reconcileAction;
    case 'Mark posted':
      return (await runMutation(client, ResolveActionMutation, { id, reason, outcome: 'POSTED', remoteUrl: address })).resolveAction;
    case 'Mark not posted':
      return (await runMutation(client, ResolveActionMutation, { id, reason, outcome: 'NOT_POSTED' })).resolveAction;
  }
}

/** Why `operation` is not offered for actions in these statuses now, or null when it is. */
export function unavailable(operation: Operation, statuses: ActionStatus[], canOperate: boolean): string | null {
  if (!canOperate) return READ_ONLY_HINT;
  if (statuses.length === 0) return 'Select actions first';
  return statuses.some((status) => ACCEPTS[operation].includes(status)) ? null : REFUSAL[operation];
}

/** A button disabled with its reason as the tooltip (on a wrapper too: disabled buttons get no hover in some browsers). */
export function OperationButton({ hint, onClick, children }: { hint: string | null; onClick: () => void; children: ReactNode }) {
  return (
    <span title={hint ?? undefined}>
      <button type="button" disabled={hint !== null} title={hint ?? undefined} onClick={onClick}>
        {children}
      </button>
    </span>
  );
}

/**
 * An operation on one action or several: a reason dialog, then one request per action the operation applies to;
 * what the API refused is reported, not hidden, and so is what a look-up searched when it found nothing.
 */
export function useActionOperations(onChanged: (action: ActionFieldsFragment) => void) {
  const client = useClient();
  const [request, setRequest] = useState<ReasonRequest | null>(null);
  const [outcome, setOutcome] = useState('');

  const ask = (operation: Operation, targets: ActionFieldsFragment[], onDone?: () => void) => {
    const eligible = targets.filter((row) => ACCEPTS[operation].includes(row.status));
    const what = eligible.length === 1 ? `action ${eligible[0].id}` : `${eligible.length} actions`;
    setRequest({
      title: `${operation} ${what}`,
      description: DESCRIPTION[operation],
      confirmLabel: operation,
      addressLabel: operation === 'Mark posted' ? "The post's address" : undefined,
      onConfirm: async (reason, address) => {
        const refused: string[] = [];
        const notFound: string[] = [];
        for (const row of eligible) {
          try {
            const answer = await operate(client, operation, row.id, reason, address);
            if ('found' in answer) {
              if (!answer.found) notFound.push(`${row.id}: not found in ${answer.checked}`);
              onChanged(answer.action);
            } else onChanged(answer);
          } catch (error) {
            refused.push(`${row.id}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        onDone?.();
        const done = eligible.length - refused.length;
        const notes = [...(refused.length ? [`refused ${refused.join('; ')}`] : []), ...notFound];
        setOutcome(`${DONE[operation]} ${done} of ${eligible.length}${notes.map((note) => `; ${note}`).join('')}`);
        if (refused.length === eligible.length) throw new Error(refused.join('; '));
      },
    });
  };

  const dialog = request && <ReasonDialog request={request} onClose={() => setRequest(null)} />;
  return { ask, dialog, outcome };
}
