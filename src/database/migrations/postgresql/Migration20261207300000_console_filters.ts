import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for the console's filters: actions by the code of their last failure (only failed
 * rows are in it: a success clears the code), and the ticks that attempted something (most
 * ticks are idle: without it a page of busy ones would read the whole ledger).
 */
export class Migration20261207300000_console_filters extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "aol_actions_last_error_code_idx" on "aol_actions" ("last_error_code", "id") where "last_error_code" is not null;`,
    );
    this.addSql(`create index "aol_tick_ledger_busy_idx" on "aol_tick_ledger" ("id") where "attempted" > 0;`);
  }
}
