import { Migration } from '@mikro-orm/migrations';

/**
 * When the current attempt of a RUNNING action may have begun to take effect: written before
 * a REAL attempt's call (and at the claim of a PROOF one), so that a new leader's rescue can
 * tell an attempt that started from one that was only claimed. And how many times in a row a
 * retry was deferred to the time a remote side said to come back (a 429's reset).
 */
export class Migration20261207100000_started_attempts extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "aol_actions" add column "started_at" timestamptz null;');
    this.addSql('alter table "aol_actions" add column "deferrals" int not null default 0;');
    // Platform pacing counts the REAL attempts of a recent window.
    this.addSql(`create index "aol_execution_logs_real_started_idx" on "aol_execution_logs" ("started_at") where "mode" = 'REAL';`);
    // Whatever runs at the upgrade may have started: kept in doubt, as before.
    this.addSql('update "aol_actions" set "started_at" = "updated_at" where "status" = \'RUNNING\';');
  }
}
