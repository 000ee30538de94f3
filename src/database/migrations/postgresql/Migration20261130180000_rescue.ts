import { Migration } from '@mikro-orm/migrations';

/**
 * For rescuing actions a dead leader left RUNNING: the mode an attempt was claimed in (a
 * PROOF attempt may simply run again, a REAL one only through an idempotent adapter), how
 * often an action was rescued, the ABANDONED outcome for the attempt cut short, and one log
 * row per attempt at most (so a log write retried after a lost commit cannot double).
 */
export class Migration20261130180000_rescue extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "aol_actions"
      add column "claim_mode" text check ("claim_mode" in ('PROOF', 'REAL')) null,
      add column "rescues" int not null default 0;`);
    this.addSql(`alter table "aol_execution_logs" drop constraint "aol_execution_logs_outcome_check";`);
    this.addSql(`alter table "aol_execution_logs" add constraint "aol_execution_logs_outcome_check"
      check ("outcome" in ('SUCCESS', 'FAILED', 'TIMED_OUT', 'ABANDONED'));`);
    this.addSql(`create unique index "aol_execution_logs_action_attempt_unique" on "aol_execution_logs" ("action_id", "attempt");`);
  }
}
