/**
 * The switchboard every tick reads. `reason`, `updatedBy` and `updatedAt` are its last change,
 * whichever switch it was; each switch also keeps its own (null: never changed), so a PAUSED
 * tick can say why it is paused whatever changed since.
 */
export interface ControlFlags {
  paused: boolean;
  killed: boolean;
  /** The operator's switch; REAL runs also need the deployment to allow them. */
  proofMode: boolean;
  reason: string | null;
  updatedBy: string | null;
  updatedAt: Date;
  pausedReason: string | null;
  pausedBy: string | null;
  pausedAt: Date | null;
  killedReason: string | null;
  killedBy: string | null;
  killedAt: Date | null;
  proofModeReason: string | null;
  proofModeBy: string | null;
  proofModeAt: Date | null;
}
