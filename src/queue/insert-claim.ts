import type { SqlRow } from '../database/sql-database';
import type { ActionEntity } from './action.entity';
import type { ClaimAtInsert } from './sql/insert-actions';

/**
 * A claim offered to an insert (see QueueRepository.claimAtInsertWith): what the insert needs to
 * make it, and `settle`, told once the statement answered: the actions it claimed and its first
 * row (the claimer's `columns`; absent when nothing was inserted), or the error when it failed
 * (then it may or may not have committed).
 */
export interface InsertClaim {
  claim: ClaimAtInsert;
  settle: (outcome: { claimed: ActionEntity[]; row: SqlRow | undefined } | { error: unknown }) => void;
}

/** Offers a claim for an insert of `count` actions, or null. */
export type InsertClaimer = (count: number) => InsertClaim | null;
