/**
 * The switchboard's switches and the control events that change each, as the migration that
 * gave every switch its own last change fills it in (a constant of that migration: later
 * changes to the control event kinds must not change it).
 */
export const FLAG_EVENT_KINDS = {
  paused: "'PAUSE', 'RESUME'",
  killed: "'KILL', 'REVIVE'",
  proof_mode: "'SET_PROOF_MODE'",
} as const;
