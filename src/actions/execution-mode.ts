/** PROOF: nothing leaves the process, artifacts record what would have happened. REAL: it happens. */
export enum ExecutionMode {
  PROOF = 'PROOF',
  REAL = 'REAL',
}

export interface EffectiveMode {
  mode: ExecutionMode;
  reason: string;
}
