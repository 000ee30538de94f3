import { createContext, useContext } from 'react';

/** Whether the signed-in token may change anything; the read token may not. */
export const OperatorContext = createContext(false);

export function useCanOperate(): boolean {
  return useContext(OperatorContext);
}

/** Shown on every control the read token cannot use. */
export const READ_ONLY_HINT = 'This token may read but not change anything: changes need AOL_API_TOKEN';
