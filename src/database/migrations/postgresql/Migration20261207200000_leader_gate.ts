import { Migration } from '@mikro-orm/migrations';

/**
 * The leader's deployment gate (its AOL_PROOF_MODE) on the lease row, written by the statement
 * that takes or renews the lease, so that every instance and the CLI report the mode the leader
 * runs actions in rather than their own environment's. Null until a leader has written it.
 */
export class Migration20261207200000_leader_gate extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "aol_lease" add column "leader_proof_mode_only" boolean null;`);
  }
}
