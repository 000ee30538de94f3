import { useState } from 'react';
import { useClient } from 'urql';
import { runMutation } from '../api';
import { KillMutation, PauseMutation, ResumeMutation, ReviveMutation, SetProofModeMutation } from '../documents';
import type { FlagsFieldsFragment } from '../../gql/graphql';
import { READ_ONLY_HINT, useCanOperate } from '../operator';
import { ReasonDialog, type ReasonRequest } from './ReasonDialog';

interface Control {
  label: string;
  /** Why the button is disabled for an operator, or null when it applies now. */
  unavailable: string | null;
  request: Omit<ReasonRequest, 'confirmLabel'>;
  danger?: boolean;
}

/** The switchboard's buttons: each asks for a reason, Kill also for the word KILL. */
export function Controls({ flags, onChanged }: { flags: FlagsFieldsFragment; onChanged: (flags: FlagsFieldsFragment) => void }) {
  const client = useClient();
  const canOperate = useCanOperate();
  const [open, setOpen] = useState<ReasonRequest | null>(null);

  const controls: Control[] = [
    {
      label: 'Pause',
      unavailable: flags.paused ? 'Already paused' : null,
      request: {
        title: 'Pause the orchestrator',
        description: 'No new action starts until someone resumes; the API keeps serving.',
        onConfirm: async (reason) => onChanged((await runMutation(client, PauseMutation, { reason })).pause),
      },
    },
    {
      label: 'Resume',
      unavailable: flags.paused ? null : 'Not paused',
      request: {
        title: 'Resume the orchestrator',
        description: 'Due actions start again at the next tick.',
        onConfirm: async (reason) => onChanged((await runMutation(client, ResumeMutation, { reason })).resume),
      },
    },
    {
      label: 'Kill',
      danger: true,
      unavailable: flags.killed ? 'Already killed' : null,
      request: {
        title: 'Kill the orchestrator',
        description: 'Nothing runs and no instance leads, across restarts, until someone revives it.',
        confirmWord: 'KILL',
        onConfirm: async (reason) => onChanged((await runMutation(client, KillMutation, { reason })).kill),
      },
    },
    {
      label: 'Revive',
      unavailable: flags.killed ? null : 'Not killed',
      request: {
        title: 'Revive the orchestrator',
        description: 'The next tick may take the lease and run actions again.',
        onConfirm: async (reason) => onChanged((await runMutation(client, ReviveMutation, { reason })).revive),
      },
    },
    {
      label: flags.proofMode ? 'Turn proof mode off' : 'Turn proof mode on',
      unavailable: null,
      request: flags.proofMode
        ? {
            title: 'Turn proof mode off',
            description: 'Actions may run for real where the deployment allows it (AOL_PROOF_MODE=0) and a publisher is configured.',
            onConfirm: async (reason) =>
              onChanged((await runMutation(client, SetProofModeMutation, { enabled: false, reason })).setProofMode),
          }
        : {
            title: 'Turn proof mode on',
            description: 'Every action runs in PROOF mode: nothing leaves the service, each writes the post it would have made.',
            onConfirm: async (reason) =>
              onChanged((await runMutation(client, SetProofModeMutation, { enabled: true, reason })).setProofMode),
          },
    },
  ];

  return (
    <div className="controls" role="group" aria-label="Controls">
      {controls.map((control) => {
        const hint = canOperate ? control.unavailable : READ_ONLY_HINT;
        return (
          <span key={control.label} title={hint ?? undefined}>
            <button
              type="button"
              className={control.danger ? 'danger' : undefined}
              disabled={hint !== null}
              title={hint ?? undefined}
              onClick={() => setOpen({ ...control.request, confirmLabel: control.label })}
            >
              {control.label}
            </button>
          </span>
        );
      })}
      {open && <ReasonDialog request={open} onClose={() => setOpen(null)} />}
    </div>
  );
}
