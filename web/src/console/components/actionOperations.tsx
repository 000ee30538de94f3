import { useState, type ReactNode } from 'react';
import { useClient } from 'urql';
import { runMutation } from '../api';
import { ApproveActionMutation, CancelActionMutation, RejectActionMutation, RetryActionMutation } from '../documents';
import type { ActionFieldsFragment, ActionStatus } from '../../gql/graphql';
import { READ_ONLY_HINT } from '../operator';
import { ReasonDialog, type ReasonRequest } from './ReasonDialog';

export type Operation = 'Approve' | 'Reject' | 'Retry' | 'Cancel';

/** The operations in the order their buttons stand. */
export const OPERATIONS: Operation[] = ['Approve', 'Reject', 'Retry', 'Cancel'];

/** Which statuses each operation accepts, as the API enforces them. */
const ACCEPTS: Record<Operation, ActionStatus[]> = {
  Approve: ['AWAITING_APPROVAL'],
  Reject: ['AWAITING_APPROVAL'],
  Retry: ['DLQ', 'NEEDS_REVIEW'],
  Cancel: ['PENDING', 'RETRY', 'AWAITING_APPROVAL', 'NEEDS_REVIEW', 'DLQ'],
};

const REFUSAL: Record<Operation, string> = {
  Approve: 'Only AWAITING_APPROVAL actions can be approved',
  Reject: 'Only AWAITING_APPROVAL actions can be rejected',
  Retry: 'Only DLQ and NEEDS_REVIEW actions can be retried',
  Cancel: 'Only PENDING, RETRY, AWAITING_APPROVAL, NEEDS_REVIEW and DLQ actions can be cancelled',
};

const DESCRIPTION: Record<Operation, string> = {
  Approve: 'It runs at the next tick, as its payload is now: a payload changed later is not run.',
  Reject: 'It ends as REJECTED and never runs.',
  Retry: 'It goes back to the queue with a fresh retry budget and runs at the next tick.',
  Cancel: 'It is cancelled and never runs.',
};

const DONE: Record<Operation, string> = { Approve: 'Approved', Reject: 'Rejected', Retry: 'Retried', Cancel: 'Cancelled' };

type Client = ReturnType<typeof useClient>;

/** One operation on one action, as the API answers it. */
async function operate(client: Client, operation: Operation, id: string, reason: string): Promise<ActionFieldsFragment> {
  switch (operation) {
    case 'Approve':
      return (await runMutation(client, ApproveActionMutation, { id, reason })).approveAction;
    case 'Reject':
      return (await runMutation(client, RejectActionMutation, { id, reason })).rejectAction;
    case 'Retry':
      return (await runMutation(client, RetryActionMutation, { id, reason })).retryAction;
    case 'Cancel':
      return (await runMutation(client, CancelActionMutation, { id, reason })).cancelAction;
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
 * Approve, Reject, Retry and Cancel on one action or several: a reason dialog, then one request per action the
 * operation applies to; what the API refused is reported, not hidden.
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
      onConfirm: async (reason) => {
        const refused: string[] = [];
        for (const row of eligible) {
          try {
            onChanged(await operate(client, operation, row.id, reason));
          } catch (error) {
            refused.push(`${row.id}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        onDone?.();
        const done = eligible.length - refused.length;
        setOutcome(`${DONE[operation]} ${done} of ${eligible.length}${refused.length ? `; refused ${refused.join('; ')}` : ''}`);
        if (refused.length === eligible.length) throw new Error(refused.join('; '));
      },
    });
  };

  const dialog = request && <ReasonDialog request={request} onClose={() => setRequest(null)} />;
  return { ask, dialog, outcome };
}
