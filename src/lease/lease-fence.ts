import type { SqlFragment } from '../database/sql-dialect';

/**
 * A SQL condition that holds only while a given owner still holds the lease at a given
 * epoch, on the database's clock. The leader adds it to every write it makes to an action,
 * so a leader that was paused or cut off past its lease changes nothing when it wakes up.
 */
export interface LeaseFence extends SqlFragment {
  readonly owner: string;
  readonly epoch: number;
}
